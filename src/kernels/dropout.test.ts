/** Dropout: GPU mask = reference mask bit for bit, values and gradients vs the float64 reference, and the mask's statistics. */
import { describe, expect, it } from 'vitest';
import { dropoutBackward, dropoutForward } from './dropout';
import * as ref from '../reference/dropout';
import { runKernelCase } from '../../test/kernel-case';
import { checkGradient } from '../../test/gradcheck';
import { Rng, randomFloats } from '../../test/random';

// f32 GPU vs f64 reference: one rounding of inp·scale (scale = 1/(1-p) itself rounded to f32), one of the add.
const TOL = { atol: 1e-6, rtol: 1e-6 };
const SEED = 0x9e3779b9;

/** Runs `forward` (with inp = all ones, so out is the mask itself) and returns what the GPU wrote. */
async function gpuMask(n: number, p: number, seed: number, stream: number): Promise<Float32Array> {
  const got = await runKernelCase({
    name: `dropout mask n=${n} p=${p} seed=${seed} stream=${stream}`,
    inputs: { inp: new Float32Array(n).fill(1), seed: Uint32Array.of(seed) },
    outputs: { out: n },
    build: (dev, x) => dropoutForward(dev, { buffer: x.out! }, { buffer: x.inp! }, n, p, { buffer: x.seed! }, stream),
    expected: { out: ref.dropoutMask(n, p, seed, stream) },
    tol: { atol: 0, rtol: 1e-7 }, // kept exactly where the reference keeps; scale within f32 rounding
  });
  return got.out!;
}

describe('dropout reference', () => {
  it('hashes like the WGSL (fixed values of pcg_hash and the mask)', () => {
    // Values computed independently with BigInt arithmetic: pins the u32 wrap-around of the mirror.
    expect(ref.pcgHash(0)).toBe(129708002);
    expect(ref.pcgHash(1)).toBe(2831084092);
    expect(ref.pcgHash(0xffffffff)).toBe(ref.pcgHash(-1 >>> 0));
    expect(ref.dropoutThreshold(0)).toBe(0);
    expect(ref.dropoutThreshold(0.5)).toBe(2 ** 31);
    expect(() => ref.dropoutThreshold(1)).toThrow(/\[0, 1\)/);
  });

  it('backward matches finite differences (the mask fixed by seed and stream)', () => {
    const rng = new Rng(3);
    const x = randomFloats(rng, 65);
    const dout = randomFloats(rng, 65);
    checkGradient('dropout reference', (v) => ref.dropoutForward(v, 0.3, 11, 2), x, dout, ref.dropoutBackward(dout, 0.3, 11, 2));
  });
});

describe('dropout kernels vs reference', () => {
  for (const n of [1, 3, 17, 63, 65, 127, 4099]) {
    for (const p of [0.1, 0.5]) {
      it(`n=${n} p=${p}: forward, forward + residual, backward`, async () => {
        const rng = new Rng(n + 100 * p);
        const inp = randomFloats(rng, n);
        const res = randomFloats(rng, n);
        const dout = randomFloats(rng, n);
        const stream = n % 7;
        await runKernelCase({
          name: `dropout n=${n} p=${p}`,
          inputs: { inp, res, dout, seed: Uint32Array.of(SEED + n) },
          outputs: { out: n, outRes: n, dinp: n },
          build: (dev, x) => {
            const seed = { buffer: x.seed! };
            return [
              dropoutForward(dev, { buffer: x.out! }, { buffer: x.inp! }, n, p, seed, stream),
              dropoutForward(dev, { buffer: x.outRes! }, { buffer: x.inp! }, n, p, seed, stream, { buffer: x.res! }),
              dropoutBackward(dev, { buffer: x.dinp! }, { buffer: x.dout! }, n, p, seed, stream),
            ];
          },
          expected: {
            out: ref.dropoutForward(inp, p, SEED + n, stream),
            outRes: ref.dropoutForward(inp, p, SEED + n, stream, res),
            dinp: ref.dropoutBackward(dout, p, SEED + n, stream),
          },
          tol: TOL,
        });
      });
    }
  }

  it('p = 0 is the identity', async () => {
    const mask = await gpuMask(257, 0, 5, 1);
    expect(mask.every((v) => v === 1)).toBe(true);
  });
});

describe('dropout mask statistics', () => {
  const n = 1 << 16;
  for (const p of [0.1, 0.5, 0.9]) {
    it(`keeps 1 - p of the elements (p=${p}), independently across seeds and streams`, async () => {
      const a = await gpuMask(n, p, 1234, 3);
      const kept = (m: Float32Array) => m.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
      // Binomial(n, 1-p): within 5 standard deviations.
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(kept(a) - n * (1 - p))).toBeLessThan(5 * sd);
      // Another seed, another stream: masks agree where two independent masks would
      // (P(same) = p² + (1-p)²), i.e. they are neither equal nor shifted copies of each other.
      for (const b of [await gpuMask(n, p, 1235, 3), await gpuMask(n, p, 1234, 4)]) {
        let same = 0;
        for (let i = 0; i < n; i++) same += (a[i] !== 0) === (b[i] !== 0) ? 1 : 0;
        const q = p * p + (1 - p) * (1 - p);
        expect(Math.abs(same - n * q)).toBeLessThan(5 * Math.sqrt(n * q * (1 - q)));
        let shifted = 0; // stream s+1 vs stream s one element on
        for (let i = 0; i + 1 < n; i++) shifted += (a[i + 1] !== 0) === (b[i] !== 0) ? 1 : 0;
        expect(Math.abs(shifted - (n - 1) * q)).toBeLessThan(5 * Math.sqrt(n * q * (1 - q)));
      }
    });
  }
});
