import { describe, expect, it } from 'vitest';
import { layernormBackward, layernormForward } from './layernorm';
import * as ref from '../reference/layernorm';
import { runKernelCase } from '../../test/kernel-case';
import { checkGradient } from '../../test/gradcheck';
import { Rng, randomFloats, randomNormals } from '../../test/random';

/** Seeded inputs with a non-zero mean and non-unit spread per row, like a residual stream. */
function inputs(N: number, C: number) {
  const rng = new Rng(N * 10007 + C);
  const inp = randomNormals(rng, N * C, 2);
  for (let i = 0; i < inp.length; i++) inp[i]! += 0.5;
  return {
    inp,
    weight: randomFloats(rng, C, 0.5, 1.5),
    bias: randomFloats(rng, C, -0.5, 0.5),
    dout: randomFloats(rng, N * C),
    dinp0: randomFloats(rng, N * C), // existing residual gradient the kernel adds onto
  };
}

const SIZES: [number, number][] = [
  [1, 1], [1, 3], [3, 17], [17, 63], [5, 65], [4, 127], [2, 768], [257, 5], [513, 65], [63, 3072],
];

describe('layernorm forward', () => {
  for (const [N, C] of SIZES) {
    it(`matches the reference for N=${N} C=${C}`, async () => {
      const x = inputs(N, C);
      const want = ref.layernormForward(x.inp, x.weight, x.bias, N, C);
      await runKernelCase({
        name: `layernorm fwd N=${N} C=${C}`,
        inputs: { inp: x.inp, weight: x.weight, bias: x.bias },
        outputs: { out: N * C, mean: N, rstd: N },
        build: (dev, b) =>
          layernormForward(dev, { buffer: b.out! }, { buffer: b.mean! }, { buffer: b.rstd! }, { buffer: b.inp! }, { buffer: b.weight! }, { buffer: b.bias! }, N, C),
        expected: { out: want.out, mean: want.mean, rstd: want.rstd },
        tol: { atol: 2e-5, rtol: 2e-5 },
      });
    });
  }

  it('folds more than 65535 rows into a 2-D grid', async () => {
    const N = 65537;
    const C = 3;
    const x = inputs(N, C);
    await runKernelCase({
      name: 'layernorm fwd fold',
      inputs: { inp: x.inp, weight: x.weight, bias: x.bias },
      outputs: { out: N * C, mean: N, rstd: N },
      build: (dev, b) =>
        layernormForward(dev, { buffer: b.out! }, { buffer: b.mean! }, { buffer: b.rstd! }, { buffer: b.inp! }, { buffer: b.weight! }, { buffer: b.bias! }, N, C),
      expected: { ...ref.layernormForward(x.inp, x.weight, x.bias, N, C) },
      tol: { atol: 1e-4, rtol: 1e-4 }, // C = 3 rows can have tiny variance, hence large rstd
    });
  });
});

describe('layernorm backward', () => {
  for (const [N, C] of SIZES) {
    it(`matches the reference for N=${N} C=${C}, accumulating dinp and overwriting dweight/dbias`, async () => {
      const x = inputs(N, C);
      // mean/rstd as the GPU forward would store them (f32).
      const fwd = ref.layernormForward(x.inp, x.weight, x.bias, N, C);
      const mean = Float32Array.from(fwd.mean);
      const rstd = Float32Array.from(fwd.rstd);
      const want = ref.layernormBackward(x.dout, x.inp, x.weight, mean, rstd, N, C);
      const dinp = want.dinp.map((v, i) => v + x.dinp0[i]!);
      await runKernelCase({
        name: `layernorm bwd N=${N} C=${C}`,
        inputs: { dout: x.dout, inp: x.inp, weight: x.weight, mean, rstd },
        // dweight/dbias start as garbage: they must be overwritten.
        outputs: { dinp: x.dinp0.slice(), dweight: randomFloats(new Rng(1), C, -50, 50), dbias: randomFloats(new Rng(2), C, -50, 50) },
        build: (dev, b) =>
          layernormBackward(dev, { buffer: b.dinp! }, { buffer: b.dweight! }, { buffer: b.dbias! }, { buffer: b.dout! }, { buffer: b.inp! }, { buffer: b.weight! }, { buffer: b.mean! }, { buffer: b.rstd! }, N, C),
        expected: { dinp, dweight: want.dweight, dbias: want.dbias },
        // dweight/dbias sum N rows: their error grows with N (about sqrt(N)·ulp of a term).
        tol: { dinp: { atol: 2e-5, rtol: 2e-5 }, dweight: { atol: 1e-5 * Math.sqrt(N), rtol: 1e-5 }, dbias: { atol: 1e-5 * Math.sqrt(N), rtol: 1e-5 } },
      });
    });
  }

  it('is bit-for-bit deterministic across runs', async () => {
    const N = 300;
    const C = 65;
    const x = inputs(N, C);
    const fwd = ref.layernormForward(x.inp, x.weight, x.bias, N, C);
    const run = () =>
      runKernelCase({
        name: 'layernorm bwd determinism',
        inputs: { dout: x.dout, inp: x.inp, weight: x.weight, mean: Float32Array.from(fwd.mean), rstd: Float32Array.from(fwd.rstd) },
        outputs: { dinp: N * C, dweight: C, dbias: C },
        build: (dev, b) =>
          layernormBackward(dev, { buffer: b.dinp! }, { buffer: b.dweight! }, { buffer: b.dbias! }, { buffer: b.dout! }, { buffer: b.inp! }, { buffer: b.weight! }, { buffer: b.mean! }, { buffer: b.rstd! }, N, C),
        expected: { dinp: [], dweight: [], dbias: [] },
        tol: { atol: 0, rtol: 0 },
      });
    const a = await run();
    const b = await run();
    for (const k of ['dinp', 'dweight', 'dbias']) expect(b[k], k).toEqual(a[k]);
  });
});

describe('layernorm reference backward', () => {
  // L = sum(out · dout); perturb one of inp / weight / bias at a time (mean, rstd recomputed).
  const N = 3;
  const C = 7;
  const x = inputs(N, C);
  const fwd = ref.layernormForward(x.inp, x.weight, x.bias, N, C);
  const g = ref.layernormBackward(x.dout, x.inp, x.weight, fwd.mean, fwd.rstd, N, C);
  it('dinp matches finite differences', () => {
    checkGradient('ln dinp', (v) => ref.layernormForward(v, x.weight, x.bias, N, C).out, x.inp, x.dout, g.dinp);
  });
  it('dweight matches finite differences', () => {
    checkGradient('ln dweight', (v) => ref.layernormForward(x.inp, v, x.bias, N, C).out, x.weight, x.dout, g.dweight);
  });
  it('dbias matches finite differences', () => {
    checkGradient('ln dbias', (v) => ref.layernormForward(x.inp, x.weight, v, N, C).out, x.bias, x.dout, g.dbias);
  });
});
