/** Generation: the KV-cache decode path against full recomputation, attention capture, seeds, cancel. */
import { describe, expect, it } from 'vitest';
import { assertClose } from '../../test/kernel-case';
import { testDevice } from '../../test/gpu';
import { Rng, randomInts } from '../../test/random';
import { refAttentionProbs, refForward, type RefParams } from '../reference/gpt';
import type { GPTConfig } from './config';
import { Decoder, generate, Recompute } from './generate';
import { GPT } from './gpt';
import { initParams } from './params';

const config: GPTConfig = { n_layer: 2, n_head: 3, n_embd: 24, block_size: 12, vocab_size: 17 };

async function tinyModel(seed: number, cfg: GPTConfig = config, maxBindingBytes?: number) {
  const device = await testDevice();
  const config = cfg;
  const model = new GPT(device, config, { maxBindingBytes });
  const w = initParams(config, model.layout, seed);
  const rng = new Rng(seed);
  for (let i = 0; i < w.length; i++) if (w[i] !== 0 && w[i] !== 1) w[i] = 0.25 * rng.normal();
  model.setWeights(w);
  const p: RefParams = {};
  for (const t of model.layout.tensors) p[t.name] = Float64Array.from(w.subarray(t.offset, t.offset + t.size));
  return { model, p };
}

describe('generation', () => {
  it('logits with the KV cache match a full recomputation at every position', async () => {
    const { model, p } = await tinyModel(1);
    const tokens = Array.from(randomInts(new Rng(2), config.block_size, config.vocab_size));
    const decoder = new Decoder(model);
    const recompute = new Recompute(model);
    const V = config.vocab_size;
    for (let t = 0; t < tokens.length; t++) {
      const { logits } = await decoder.step(tokens[t]!, t);
      const full = await recompute.logits(tokens.slice(0, t + 1), true);
      assertClose(`cache vs recompute at position ${t}`, logits!, full, { atol: 1e-4, rtol: 1e-4 });
      const ref = refForward(config, p, tokens.slice(0, t + 1), 1, t + 1).logits.subarray(t * V, (t + 1) * V);
      assertClose(`cache vs float64 reference at position ${t}`, logits!, ref, { atol: 1e-4, rtol: 1e-4 });
    }
    decoder.destroy();
    recompute.destroy();
    model.destroy();
  });

  it('with wte split into binding-sized chunks: decode logits match recompute and the reference', async () => {
    // 64-row chunks of a 150-token vocabulary: [0,64), [64,128), [128,150), as GPT-2 small's wte is
    // split on a 128 MiB binding. Tokens from every chunk, both edges of each.
    const split: GPTConfig = { ...config, vocab_size: 150 };
    const { model, p } = await tinyModel(4, split, 64 * split.n_embd * 4);
    expect(model.wteChunks).toEqual([{ lo: 0, hi: 64 }, { lo: 64, hi: 128 }, { lo: 128, hi: 150 }]);
    const tokens = [0, 63, 64, 127, 128, 149, 5, 100, 140, 70];
    const decoder = new Decoder(model);
    const recompute = new Recompute(model);
    const V = split.vocab_size;
    for (let t = 0; t < tokens.length; t++) {
      const { logits } = await decoder.step(tokens[t]!, t);
      const ref = refForward(split, p, tokens.slice(0, t + 1), 1, t + 1).logits.subarray(t * V, (t + 1) * V);
      assertClose(`split cache vs float64 reference at position ${t}`, logits!, ref, { atol: 1e-4, rtol: 1e-4 });
      const full = await recompute.logits(tokens.slice(0, t + 1), true);
      assertClose(`split recompute vs float64 reference at position ${t}`, full, ref, { atol: 1e-4, rtol: 1e-4 });
    }
    decoder.destroy();
    recompute.destroy();
    model.destroy();
  });

  it('captures the attention of every layer and head for the prompt and each new token', async () => {
    const { model, p } = await tinyModel(3);
    const prompt = [1, 4, 1, 5, 9];
    const decoder = new Decoder(model);
    let promptRows: Float32Array[][] = [];
    const steps = [];
    for await (const s of generate(decoder, prompt, { maxNewTokens: 3, temperature: 0, captureAttention: true }, (a) => (promptRows = a.rows))) steps.push(s);
    const NH = config.n_head;
    const T = prompt.length;
    // Reference T×T maps of the prompt: (L, NH, T, T).
    const ref = refAttentionProbs(config, p, prompt);
    for (let l = 0; l < config.n_layer; l++) {
      expect(promptRows[l]).toHaveLength(T);
      for (let t = 0; t < T; t++) {
        const row = promptRows[l]![t]!; // (NH, t+1)
        for (let h = 0; h < NH; h++) {
          const want = ref.subarray(((l * NH + h) * T + t) * T, ((l * NH + h) * T + t) * T + t + 1);
          assertClose(`layer ${l} head ${h} row ${t}`, row.subarray(h * (t + 1), (h + 1) * (t + 1)), want, { atol: 1e-5, rtol: 1e-4 });
        }
      }
    }
    // Each generated token carries the attention row of the position that produced it.
    expect(steps[0]!.attention![0]).toHaveLength(NH * T);
    expect(steps[1]!.attention![0]).toHaveLength(NH * (T + 1));
    decoder.destroy();
    model.destroy();
  });

  it('same seed gives the same text; another seed a different one; greedy is deterministic', async () => {
    const { model } = await tinyModel(4);
    const decoder = new Decoder(model);
    const run = async (seed: number, temperature = 1) => {
      const out: number[] = [];
      for await (const s of generate(decoder, [2, 3], { maxNewTokens: 30, temperature, seed })) out.push(s.token);
      return out;
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
    expect(await run(1, 0)).toEqual(await run(2, 0));
    // Past the block size the cache is rebuilt from the recent context and generation goes on.
    expect(a).toHaveLength(30);
    decoder.destroy();
    model.destroy();
  });

  it('stops with ABORTED when cancelled', async () => {
    const { model } = await tinyModel(5);
    const decoder = new Decoder(model);
    const ctrl = new AbortController();
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const s of generate(decoder, [1], { maxNewTokens: 50, signal: ctrl.signal })) {
          got.push(s.token);
          if (got.length === 4) ctrl.abort();
        }
      })(),
    ).rejects.toThrow(/cancelled/);
    expect(got).toHaveLength(4);
    decoder.destroy();
    model.destroy();
  });
});
