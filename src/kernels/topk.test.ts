import { describe, expect, it } from 'vitest';
import { softmaxTopK, unpackTopK } from './topk';
import * as ref from '../reference/topk';
import { runKernelCase } from '../../test/kernel-case';
import { Rng, randomFloats } from '../../test/random';

/** Runs the kernel on `logits` and checks ids exactly and probabilities within tolerance. */
async function check(name: string, logits: Float32Array, K: number, temperature: number) {
  const V = logits.length;
  const want = ref.softmaxTopK(logits, K, temperature);
  const got = await runKernelCase({
    name,
    inputs: { logits },
    outputs: { out: 2 * K },
    build: (dev, x) => {
      const k = softmaxTopK(dev, { buffer: x.out! }, { buffer: x.logits! }, V, K);
      k.setTemperature(temperature);
      return k.dispatch;
    },
    expected: { out: want.probs }, // the first K floats: probabilities (ids are checked below)
    tol: { atol: 1e-6, rtol: 1e-4 },
  });
  const { ids } = unpackTopK(got.out!, K);
  for (let k = 0; k < K; k++) expect(ids[k], `${name}: id at rank ${k} is ${ids[k]}, reference ${want.ids[k]}`).toBe(want.ids[k]);
}

describe('softmax + top-k (next-token candidates)', () => {
  const sizes = [1, 3, 17, 63, 65, 127, 256, 1000, 50257];
  for (const V of sizes) {
    for (const temperature of [1, 0.7, 0]) {
      it(`matches the float64 reference for V=${V} temperature=${temperature}`, async () => {
        const rng = new Rng(V * 10 + temperature * 10);
        await check(`topk V=${V} T=${temperature}`, randomFloats(rng, V, -8, 8), Math.min(10, V), temperature);
      });
    }
  }

  it('breaks ties by the lower id and survives large logits of both signs', async () => {
    const V = 300;
    const logits = new Float32Array(V).fill(-1e4);
    for (const i of [290, 7, 150, 3]) logits[i] = 2e4; // four-way tie at the top
    logits[100] = 1.5e4;
    logits[299] = -Infinity;
    await check('topk ties', logits, 10, 1);
    await check('topk ties hot', logits, 10, 5000);
  });

  it('K = V returns the whole vocabulary in order', async () => {
    await check('topk K=V', randomFloats(new Rng(9), 17, -3, 3), 17, 2);
  });
});
