import { describe, it } from 'vitest';
import { guardedCopy } from './guarded_copy';
import * as ref from '../reference/elementwise';
import { runKernelCase } from '../../test/kernel-case';
import { Rng, randomFloats } from '../../test/random';

/** dst keeps its values unless every flag is finite, then it holds src: exactly, element by element. */
async function checkCopy(n: number, flags: number[]): Promise<void> {
  const rng = new Rng(n);
  const src = randomFloats(rng, n);
  const dst = randomFloats(rng, n);
  await runKernelCase({
    name: `guarded_copy n=${n} flags=${flags}`,
    inputs: { src, flags: new Float32Array(flags) },
    outputs: { dst },
    build: (dev, x) => guardedCopy(dev, { buffer: x.dst! }, { buffer: x.src! }, { buffer: x.flags! }, n, flags.length),
    expected: { dst: ref.guardedCopy(dst, src, flags) },
    tol: { atol: 0, rtol: 0 },
  });
}

describe('guarded copy', () => {
  for (const flags of [[1.5], [NaN], [Infinity], [-Infinity], [0], [2, 3], [2, Infinity], [NaN, 1]]) {
    // n % 4 == 0 (64, 1000) takes the vec4 entry point.
    for (const n of [1, 17, 64, 65, 1000]) {
      it(`copies only when every flag is finite (flags=${flags}, n=${n})`, async () => {
        await checkCopy(n, flags);
      });
    }
  }

  // Past the 4096-workgroup grid, threads loop: 1048577 floats (scalar), 4194312 (vec4).
  for (const n of [1_048_577, 4_194_312]) {
    for (const flags of [[1, 2], [1, NaN]]) {
      it(`n=${n}, flags=${flags}: every element (grid-stride loop)`, async () => {
        await checkCopy(n, flags);
      });
    }
  }
});
