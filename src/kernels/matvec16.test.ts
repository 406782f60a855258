/**
 * The 16-bit weight matrix-vector kernels (both storage forms) against the float64 reference on
 * the same half-precision weights (packRows16 then unpackRows16: exactly what the kernel reads).
 */
import { describe, it } from 'vitest';
import { matvec16, storage16Runs, type Storage16 } from './matvec16';
import { packRows16, unpackRows16 } from './packed16';
import { matmulReference } from '../reference/matmul';
import { gelu as refGelu } from '../reference/gelu';
import { runKernelCase } from '../../test/kernel-case';
import { testDevice } from '../../test/gpu';
import { Rng, randomFloats } from '../../test/random';

/**
 * The tolerance of an f32 sum of K products against the exact one: |error| <= gamma_K · sum |a·w|
 * with gamma_K ~ K·2^-24 (Higham's bound for recursive summation), taken over the worst output. The
 * weights are identical on both sides, so this is the whole difference; GELU is 1-Lipschitz.
 */
function sumTolerance(a: ArrayLike<number>, w: ArrayLike<number>, M: number, N: number, K: number, layout: 'nn' | 'nt'): number {
  let worst = 0;
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.abs(a[m * K + k]! * (layout === 'nn' ? w[k * N + n]! : w[n * K + k]!));
      worst = Math.max(worst, s);
    }
  }
  return 2 * (K + 2) * 2 ** -24 * worst + 1e-7;
}

describe('matvec16 (decode products with 16-bit weights)', async () => {
  const device = await testDevice();
  const forms: Storage16[] = ['packed', 'f16'];
  // Under CI the adapter is lavapipe, which has shader-f16: its absence there is a failure.
  if (process.env.CI && !storage16Runs(device, 'f16')) throw new Error('the CI adapter (lavapipe) should have shader-f16');
  for (const storage of forms.filter((f) => storage16Runs(device, f))) {
    for (const [M, K, N] of [
      [1, 1, 1],
      [1, 17, 3],
      [1, 64, 65],
      [2, 63, 127],
      [1, 128, 520],
      [3, 65, 17],
      // Several rows at once (the 16-bit prefill): 'nn' computes them in tiles of MATVEC16_ROWS,
      // these counts fall short of, straddle and fill tiles.
      [5, 37, 70],
      [17, 63, 521],
      [64, 130, 9],
    ] as const) {
      for (const layout of ['nn', 'nt'] as const) {
        for (const epilogue of ['none', 'bias', 'gelu'] as const) {
          it(`${storage} ${layout} M=${M} K=${K} N=${N} ${epilogue}`, async () => {
            const rng = new Rng(M * 7919 + K * 31 + N + (layout === 'nt' ? 5 : 0));
            const a = randomFloats(rng, M * K);
            const [rows, cols] = layout === 'nn' ? [K, N] : [N, K];
            const w32 = randomFloats(rng, rows * cols, -2, 2);
            const packed = packRows16(w32, rows, cols);
            const w = unpackRows16(packed, rows, cols); // the half-precision weights, widened exactly
            const bias = epilogue === 'none' ? null : randomFloats(rng, N);
            const ref = matmulReference(a, w, bias, M, N, K, layout).out;
            const expected = epilogue === 'gelu' ? ref.map(refGelu) : ref;
            const atol = sumTolerance(a, w, M, N, K, layout);
            await runKernelCase({
              name: `matvec16 ${storage} ${layout}`,
              inputs: { a, w: packed, ...(bias ? { bias } : {}) },
              outputs: { out: M * N },
              build: (dev, x) => matvec16(dev, { out: { buffer: x.out! }, a: { buffer: x.a! }, w: { buffer: x.w! }, bias: x.bias && { buffer: x.bias }, M, N, K, layout, gelu: epilogue === 'gelu', storage }),
              expected: { out: expected },
              tol: { atol: atol + (epilogue === 'gelu' ? 2e-6 : 0), rtol: epilogue === 'gelu' ? 1e-5 : 0 }, // GPU tanh: a few ulp
            });
          });
        }
      }
    }
  }

  it('keeps GELU\'s input (acc + bias) beside the GELU output when given preact', async () => {
    for (const storage of forms.filter((f) => storage16Runs(device, f))) {
      const [M, K, N] = [2, 37, 75];
      const rng = new Rng(1234);
      const a = randomFloats(rng, M * K);
      const packed = packRows16(randomFloats(rng, K * N, -2, 2), K, N);
      const w = unpackRows16(packed, K, N);
      const bias = randomFloats(rng, N);
      const pre = matmulReference(a, w, bias, M, N, K, 'nn').out;
      const atol = sumTolerance(a, w, M, N, K, 'nn');
      await runKernelCase({
        name: `matvec16 ${storage} preact`,
        inputs: { a, w: packed, bias },
        outputs: { out: M * N, preact: M * N },
        build: (dev, x) => matvec16(dev, { out: { buffer: x.out! }, preact: { buffer: x.preact! }, a: { buffer: x.a! }, w: { buffer: x.w! }, bias: { buffer: x.bias! }, M, N, K, gelu: true, storage }),
        expected: { out: pre.map(refGelu), preact: pre },
        tol: { atol: atol + 2e-6, rtol: 1e-5 },
      });
    }
  });

  it('writes a column block of a wider output (the head over a vocabulary chunk)', async () => {
    const [K, N, ldc, lo] = [24, 70, 200, 64];
    const rng = new Rng(99);
    const a = randomFloats(rng, K);
    const w32 = randomFloats(rng, N * K);
    const packed = packRows16(w32, N, K);
    const ref = matmulReference(a, unpackRows16(packed, N, K), null, 1, N, K, 'nt').out;
    const expected = new Float64Array(ldc).fill(7);
    expected.set(ref, lo);
    await runKernelCase({
      name: 'matvec16 column block',
      inputs: { a, w: packed },
      outputs: { out: new Float32Array(ldc).fill(7) },
      build: (dev, x) => matvec16(dev, { out: { buffer: x.out!, offset: lo * 4 }, a: { buffer: x.a! }, w: { buffer: x.w! }, M: 1, N, K, layout: 'nt', ldc }),
      expected: { out: expected },
      tol: { atol: sumTolerance(a, unpackRows16(packed, N, K), 1, N, K, 'nt'), rtol: 0 },
    });
  });
});
