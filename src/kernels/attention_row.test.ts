import { describe, it } from 'vitest';
import { attentionRow } from './attention_row';
import { attentionForward } from '../reference/attention';
import { runKernelCase } from '../../test/kernel-case';
import { Rng, randomFloats } from '../../test/random';

/**
 * One query row (the last row of a random qkv (T, 3C)) against keys laid out as the decoder's
 * cache (maxT, C) holds them, rows past pos filled with other numbers: the weights against the
 * float64 reference's probabilities (row pos of each head), the scores recomputed plainly; written
 * after `base` floats of the capture buffer, which stay untouched. Awkward sizes: odd head sizes,
 * one position, rows past one workgroup (65).
 */
describe('attention row (the trace view)', () => {
  for (const [T, C, NH] of [[1, 3, 1], [3, 15, 3], [17, 8, 2], [65, 12, 4], [70, 128, 2]] as const) {
    it(`matches the reference for T=${T}, C=${C}, NH=${NH}`, async () => {
      const pos = T - 1;
      const HS = C / NH;
      const n = T;
      const maxT = T + 3;
      const rng = new Rng(T * 31 + C);
      const qkv = randomFloats(rng, T * 3 * C);
      const ref = attentionForward(qkv, 1, T, C, NH);
      const kCache = randomFloats(rng, maxT * C); // rows > pos: not read
      for (let j = 0; j < n; j++) for (let c = 0; c < C; c++) kCache[j * C + c] = qkv[j * 3 * C + C + c]!;
      const scores = new Float64Array(NH * n);
      const weights = new Float64Array(NH * n);
      for (let h = 0; h < NH; h++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let i = 0; i < HS; i++) s += qkv[pos * 3 * C + h * HS + i]! * qkv[j * 3 * C + C + h * HS + i]!;
          scores[h * n + j] = s / Math.sqrt(HS);
          weights[h * n + j] = ref.probs[(h * T + pos) * T + j]!;
        }
      }
      const base = 5; // the rows land at offsets, after data that must stay
      const expected = new Float64Array(base + 2 * NH * n + 2).fill(-7);
      expected.set(scores, base);
      expected.set(weights, base + NH * n);
      await runKernelCase({
        name: `attention_row T=${T} C=${C} NH=${NH}`,
        inputs: { q: qkv.slice(pos * 3 * C, (pos + 1) * 3 * C), kCache },
        outputs: { cap: new Float32Array(expected.length).fill(-7) },
        build: (dev, x) => attentionRow(dev, { buffer: x.cap! }, { buffer: x.q! }, { buffer: x.kCache! }, pos, C, NH, { scores: base, weights: base + NH * n }),
        expected: { cap: expected },
        tol: { atol: 2e-6, rtol: 1e-5 },
      });
    });
  }
});
