import { describe, expect, it } from 'vitest';
import { columnSum, sumReduce } from './reduce';
import * as ref from '../reference/reduce';
import { runKernelCase } from '../../test/kernel-case';
import { Rng, randomFloats } from '../../test/random';

describe('columnSum', () => {
  // (M, N): awkward sizes, a tall (B*T, C)-like case, and N past 65535 blocks of 32 (the block loop).
  const shapes: [number, number][] = [[1, 1], [3, 17], [17, 63], [65, 127], [127, 65], [63, 3], [1, 300], [1000, 33], [3, 32 * 65535 + 65]];
  for (const [M, N] of shapes) {
    for (const accumulate of [false, true]) {
      it(`M=${M} N=${N}${accumulate ? ' accumulate' : ''}`, async () => {
        const rng = new Rng(M * 7919 + N + (accumulate ? 1 : 0));
        const inp = randomFloats(rng, M * N);
        const init = randomFloats(rng, N); // overwritten unless accumulating
        await runKernelCase({
          name: `column_sum M=${M} N=${N}`,
          inputs: { inp },
          outputs: { out: init },
          build: (dev, x) => columnSum(dev, { buffer: x.out! }, { buffer: x.inp! }, M, N, accumulate),
          expected: { out: ref.columnSum(inp, M, N, accumulate ? init : undefined) },
          // sums of up to 1000 values in [-1, 1]
          tol: { atol: 2e-5, rtol: 1e-5 },
        });
      });
    }
  }

  it('is deterministic (two runs agree bit for bit)', async () => {
    const M = 517;
    const N = 77;
    const inp = randomFloats(new Rng(99), M * N, -100, 100);
    const run = () =>
      runKernelCase({
        name: 'column_sum determinism',
        inputs: { inp },
        outputs: { out: N },
        build: (dev, x) => columnSum(dev, { buffer: x.out! }, { buffer: x.inp! }, M, N),
        expected: { out: ref.columnSum(inp, M, N) },
        tol: { atol: 1e-3, rtol: 1e-5 },
      });
    const a = (await run()).out!;
    const b = (await run()).out!;
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});

describe('sumReduce', () => {
  for (const n of [1, 3, 17, 63, 65, 127, 256, 257, 4099, 65536, 100003]) {
    for (const scale of [1 / n, 2.5]) {
      it(`n=${n} scale=${scale === 2.5 ? '2.5' : '1/n'}`, async () => {
        const rng = new Rng(n);
        const inp = randomFloats(rng, n, 0, 11); // loss-like: positive, up to ~log(V)
        const expected = ref.scaledSum(inp, scale);
        await runKernelCase({
          name: `sum_reduce n=${n}`,
          inputs: { inp },
          outputs: { out: 1 },
          build: (dev, x) => sumReduce(dev, { buffer: x.out! }, { buffer: x.inp! }, n, scale),
          expected: { out: [expected] },
          tol: { atol: 0, rtol: 2e-6 },
        });
      });
    }
  }
});
