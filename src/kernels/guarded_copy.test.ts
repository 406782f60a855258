import { describe, it } from 'vitest';
import { guardedCopy } from './guarded_copy';
import * as ref from '../reference/elementwise';
import { runKernelCase } from '../../test/kernel-case';
import { Rng, randomFloats } from '../../test/random';

describe('guarded copy', () => {
  for (const flag of [1.5, NaN, Infinity, -Infinity, 0]) {
    for (const n of [1, 17, 65, 1000]) {
      it(`copies only when the flag is finite (flag=${flag}, n=${n})`, async () => {
        const rng = new Rng(n);
        const src = randomFloats(rng, n);
        const dst = randomFloats(rng, n);
        await runKernelCase({
          name: `guarded_copy n=${n} flag=${flag}`,
          inputs: { src, flag: new Float32Array([flag]) },
          outputs: { dst },
          build: (dev, x) => guardedCopy(dev, { buffer: x.dst! }, { buffer: x.src! }, { buffer: x.flag! }, n),
          expected: { dst: ref.guardedCopy(dst, src, flag) },
          tol: { atol: 0, rtol: 0 },
        });
      });
    }
  }
});
