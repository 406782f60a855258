import { describe, expect, it } from 'vitest';
import { geluBackward } from './gelu';
import * as ref from '../reference/gelu';
import { runKernelCase } from '../../test/kernel-case';
import { checkGradient } from '../../test/gradcheck';
import { testDevice } from '../../test/gpu';
import { createStorage } from '../gpu/buffers';
import { Rng, randomFloats } from '../../test/random';

const TOL = { atol: 2e-6, rtol: 2e-5 };

async function check(name: string, inp: Float32Array, dout: Float32Array, tol = TOL) {
  const n = inp.length;
  const got = await runKernelCase({
    name: `${name} backward`,
    inputs: { inp, dout },
    // Start from garbage: dinp is overwritten, not accumulated.
    outputs: { dinp: randomFloats(new Rng(99), n, -100, 100) },
    build: (dev, x) => geluBackward(dev, { buffer: x.dinp! }, { buffer: x.inp! }, { buffer: x.dout! }, n),
    expected: { dinp: ref.geluBackward(inp, dout) },
    tol,
  });
  expect(got.dinp!.every(Number.isFinite)).toBe(true);
}

// The forward is fused into the matmul epilogue (matmul.test.ts tests it); this is the backward.
describe('gelu backward', () => {
  for (const n of [1, 3, 4, 17, 63, 65, 127, 1024 * 3 + 5, 100_003]) {
    it(`matches the reference for n=${n}`, async () => {
      const rng = new Rng(n);
      await check(`gelu n=${n}`, randomFloats(rng, n, -6, 6), randomFloats(rng, n));
    });
  }

  it('stays finite and matches at large |x| (±20, ±88, ±1e3)', async () => {
    const xs = [20, -20, 1e3, -1e3, 3.3, -3.3, 5, -5, 0, 88, -88];
    const inp = Float32Array.from(xs);
    const dout = Float32Array.from(xs, (_, i) => (i % 2 ? -1.5 : 0.75));
    await check('gelu large', inp, dout, { atol: 1e-5, rtol: 2e-5 });
  });

  it('gives the exact limits at |x| = 1e20 (x³ overflows to inf inside)', async () => {
    const inp = Float32Array.from([1e20, -1e20, 3e38, -3e38]);
    const dout = Float32Array.from([1, 1, 1, 1]);
    await runKernelCase({
      name: 'gelu huge',
      inputs: { inp, dout },
      outputs: { dinp: 4 },
      build: (dev, x) => geluBackward(dev, { buffer: x.dinp! }, { buffer: x.inp! }, { buffer: x.dout! }, 4),
      // gelu'(x) -> 1 for x -> +inf and -> 0 for x -> -inf.
      expected: { dinp: [1, 0, 1, 0] },
      tol: { atol: 0, rtol: 1e-6 },
    });
  });

  it('folds huge n into a 2-D grid of at most 65535 workgroups per dimension', async () => {
    const dev = await testDevice();
    const tiny = createStorage(dev, 'gelu.tiny', 16);
    for (const n of [8192 * 3072, 2 ** 30]) {
      const d = geluBackward(dev, { buffer: tiny }, { buffer: tiny }, { buffer: tiny }, n);
      expect(d.workgroups[0]).toBeLessThanOrEqual(65535);
      expect(d.workgroups[0] * d.workgroups[1] * 1024).toBeGreaterThanOrEqual(n);
    }
    tiny.destroy();
  });

  it('reference backward matches finite differences', () => {
    const rng = new Rng(5);
    // Avoid |u| ≈ 10 (x ≈ ±3.3) where the clamp makes gelu non-differentiable.
    const x = randomFloats(rng, 64, -3, 3);
    const dout = randomFloats(rng, 64);
    checkGradient('gelu', (v) => ref.geluForward(v), x, dout, ref.geluBackward(x, dout));
  });
});
