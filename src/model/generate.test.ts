/** Generation: the KV-cache decode path against full recomputation, attention capture, seeds, cancel. */
import { describe, expect, it } from 'vitest';
import { assertClose } from '../../test/kernel-case';
import { testDevice } from '../../test/gpu';
import { Rng, randomInts } from '../../test/random';
import { refAttentionProbs, refForward, type RefParams } from '../reference/gpt';
import { softmaxTopK as refTopK } from '../reference/topk';
import type { GPTConfig } from './config';
import { CANDIDATES, Decoder, generate, Recompute, type Capture, type GeneratedToken } from './generate';
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
    let promptPositions: Capture[] = [];
    const steps: GeneratedToken[] = [];
    for await (const s of generate(decoder, prompt, { maxNewTokens: 3, temperature: 0, captureAttention: true }, (a) => (promptPositions = a.positions))) steps.push(s);
    const NH = config.n_head;
    const T = prompt.length;
    // Positions 0..T-2 come with the prompt; position T-1 (the one that produced the first token) with it.
    expect(promptPositions).toHaveLength(T - 1);
    const rowsAt = (t: number) => (t < T - 1 ? promptPositions[t]! : steps[0]!).attention!;
    // Reference T×T maps of the prompt: (L, NH, T, T).
    const ref = refAttentionProbs(config, p, prompt);
    for (let l = 0; l < config.n_layer; l++) {
      for (let t = 0; t < T; t++) {
        const row = rowsAt(t)[l]!; // (NH, t+1)
        expect(row).toHaveLength(NH * (t + 1));
        for (let h = 0; h < NH; h++) {
          const want = ref.subarray(((l * NH + h) * T + t) * T, ((l * NH + h) * T + t) * T + t + 1);
          assertClose(`layer ${l} head ${h} row ${t}`, row.subarray(h * (t + 1), (h + 1) * (t + 1)), want, { atol: 1e-5, rtol: 1e-4 });
        }
      }
    }
    // Each generated token carries the attention row of the position that produced it.
    expect(steps[1]!.attention![0]).toHaveLength(NH * (T + 1));
    expect(steps[2]!.attention![0]).toHaveLength(NH * (T + 2));
    decoder.destroy();
    model.destroy();
  });

  it('capture reads logits, top-k and every attention row back in ONE mapAsync per token; logits and tokens as without capture', async () => {
    const cfg: GPTConfig = { ...config, vocab_size: 65 };
    const { model, p } = await tinyModel(6, cfg);
    const decoder = new Decoder(model);
    const prompt = [3, 1, 4, 1, 5, 9, 2];
    const T = prompt.length;
    // Count sync points: every GPUBuffer shares one prototype.
    const proto = Object.getPrototypeOf(model.params) as GPUBuffer;
    const mapAsync = proto.mapAsync;
    let maps = 0;
    proto.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
      maps++;
      return mapAsync.apply(this, args);
    };
    try {
      for (let t = 0; t < T; t++) {
        maps = 0;
        const plain = await decoder.step(prompt[t]!, t, { logits: true });
        const got = await decoder.step(prompt[t]!, t, { logits: true, capture: true });
        expect(maps, `read-backs for two steps at position ${t}`).toBe(2);
        assertClose(`logits with capture at ${t}`, got.logits!, plain.logits!, { atol: 0, rtol: 0 });
        // Candidates: the float64 softmax + top-k of these very logits (temperature 1 by default).
        const want = refTopK(got.logits!, CANDIDATES, 1);
        expect(Array.from(got.candidates!.ids), `top-k ids at ${t}`).toEqual(want.ids);
        assertClose(`top-k probs at ${t}`, got.candidates!.probs, want.probs, { atol: 1e-6, rtol: 1e-4 });
        // Attention rows: the float64 reference of the prefix.
        const ref = refAttentionProbs(cfg, p, prompt.slice(0, t + 1));
        const n = t + 1;
        for (let l = 0; l < cfg.n_layer; l++) {
          for (let h = 0; h < cfg.n_head; h++) {
            const o = ((l * cfg.n_head + h) * n + t) * n;
            assertClose(`attention layer ${l} head ${h} at ${t}`, got.attention![l]!.subarray(h * n, (h + 1) * n), ref.subarray(o, o + n), { atol: 1e-5, rtol: 1e-4 });
          }
        }
        // Everything captured lives in one transferable buffer, apart from the logits.
        expect(got.attention![0]!.buffer).toBe(got.captured);
        expect(got.candidates!.ids.buffer).toBe(got.captured);
      }
      // Whole generations: one read-back per fed token, the same tokens with capture on and off.
      decoder.setTemperature(0.7);
      const run = async (captureAttention: boolean) => {
        maps = 0;
        const out: number[] = [];
        const traces = [];
        for await (const s of generate(decoder, prompt, { maxNewTokens: 20, temperature: 0.7, seed: 11, captureAttention })) {
          out.push(s.token);
          traces.push(s);
        }
        return { out, maps, traces };
      };
      const off = await run(false);
      const on = await run(true);
      expect(on.out).toEqual(off.out);
      // Fed tokens: T prompt + 19 generated (the last sampled token is not fed); past the block size
      // (12) the cache is rebuilt from 6 tokens, which reads back once, at the last of them.
      expect(on.maps).toBe(off.maps + (T - 1));
      const c = on.traces[5]!.candidates!;
      const sum = c.probs.reduce((a, b) => a + b, 0);
      expect(sum).toBeGreaterThan(0);
      expect(sum).toBeLessThanOrEqual(1 + 1e-6);
      for (let k = 1; k < c.probs.length; k++) expect(c.probs[k]!).toBeLessThanOrEqual(c.probs[k - 1]!);
    } finally {
      proto.mapAsync = mapAsync;
    }
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
