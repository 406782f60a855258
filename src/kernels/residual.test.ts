import { describe, it } from 'vitest';
import { residualForward } from './residual';
import * as ref from '../reference/elementwise';
import { runKernelCase } from '../../test/kernel-case';
import { Rng, randomFloats } from '../../test/random';

describe('residual add', () => {
  for (const n of [1, 3, 17, 63, 65, 127, 256 * 65535 + 300]) {
    it(`matches the reference for n=${n}`, async () => {
      const rng = new Rng(n);
      const a = randomFloats(rng, n);
      const b = randomFloats(rng, n);
      await runKernelCase({
        name: `residual n=${n}`,
        inputs: { a, b },
        outputs: { out: n },
        build: (dev, x) => residualForward(dev, { buffer: x.out! }, { buffer: x.a! }, { buffer: x.b! }, n),
        expected: { out: ref.residualForward(a, b) },
        tol: { atol: 1e-6, rtol: 1e-6 },
      });
    });
  }
});
