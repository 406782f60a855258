/** The attention benchmark's baseline against the float64 reference: outputs and the T×T maps. */
import { describe, expect, it } from 'vitest';
import * as ref from '../src/reference/attention';
import { runKernelCase } from '../test/kernel-case';
import { Rng, randomNormals } from '../test/random';
import { attentionNaive } from './attention-naive';

describe('three-kernel attention (the benchmark baseline) vs reference', () => {
  // [B, T, C, NH]: one row, odd sizes, the benchmark's tiny-GPT shape, and a 257-row sequence.
  for (const [B, T, C, NH] of [
    [1, 1, 3, 1],
    [3, 17, 51, 3],
    [2, 65, 128, 2],
    [1, 64, 128, 4],
    [1, 257, 128, 2],
  ] as const) {
    it(`B=${B} T=${T} C=${C} NH=${NH}`, async () => {
      const rng = new Rng(1000 * T + C + NH + B);
      const qkv = randomNormals(rng, B * T * 3 * C);
      const r = ref.attentionForward(qkv, B, T, C, NH);
      const got = await runKernelCase({
        name: `attention naive B=${B} T=${T} C=${C} NH=${NH}`,
        inputs: { qkv },
        outputs: { out: B * T * C, probs: B * NH * T * T },
        build: (dev, x) => attentionNaive(dev, { buffer: x.out! }, { buffer: x.probs! }, { buffer: x.qkv! }, B, T, C, NH),
        expected: { out: r.out, probs: r.probs },
        tol: { out: { atol: 5e-6, rtol: 1e-5 }, probs: { atol: 1e-6, rtol: 1e-5 } },
      });
      // Above the diagonal the maps are exactly 0, not merely small.
      for (let bh = 0; bh < B * NH; bh++)
        for (let t = 0; t < T; t++)
          for (let j = t + 1; j < T; j++) expect(Object.is(got.probs![(bh * T + t) * T + j], 0), `probs[${bh},${t},${j}]`).toBe(true);
    });
  }
});
