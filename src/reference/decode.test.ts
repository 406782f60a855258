import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_FILE, decodeCheckpoint, MODEL_FILE, TOKENIZER_FILE } from '../model/checkpoint';
import { generate } from '../model/generate';
import { Rng, randomInts } from '../../test/random';
import { assertClose } from '../../test/kernel-case';
import { RefDecoder, refParamsFromFlat } from './decode';
import { refAttentionProbs, refForward, refInitParams, type RefConfig } from './gpt';

describe('CPU decoder with a KV cache (the no-WebGPU path)', () => {
  // Awkward sizes: 3 heads of 4, block 17, vocabulary 7.
  const c: RefConfig = { n_layer: 2, n_head: 3, n_embd: 12, block_size: 17, vocab_size: 7 };

  it('logits and attention rows at every position match the full float64 forward', async () => {
    const p = refInitParams(c, 3);
    const rng = new Rng(4);
    for (const t of Object.values(p)) for (let i = 0; i < t.length; i++) t[i] = t[i]! + 0.3 * rng.normal();
    const tokens = Array.from(randomInts(new Rng(5), c.block_size, c.vocab_size));
    const dec = new RefDecoder(c, p);
    const probs = refAttentionProbs(c, p, tokens); // (L, NH, T, T)
    const T = tokens.length;
    for (let t = 0; t < T; t++) {
      const { logits, attention, candidates } = await dec.step(tokens[t]!, t, { logits: true, capture: true });
      const ref = refForward(c, p, tokens.slice(0, t + 1), 1, t + 1).logits.subarray(t * c.vocab_size, (t + 1) * c.vocab_size);
      assertClose(`logits at position ${t}`, logits!, ref, { atol: 1e-5, rtol: 1e-5 });
      // Candidates: the most likely token first (temperature 1 by default).
      const best = ref.indexOf(Math.max(...ref));
      expect(candidates!.ids[0]).toBe(best);
      for (let l = 0; l < c.n_layer; l++) {
        for (let h = 0; h < c.n_head; h++) {
          const row = probs.subarray(((l * c.n_head + h) * T + t) * T, ((l * c.n_head + h) * T + t) * T + t + 1);
          assertClose(`attention layer ${l} head ${h} position ${t}`, attention![l]!.subarray(h * (t + 1), (h + 1) * (t + 1)), row, { atol: 1e-6, rtol: 1e-5 });
        }
      }
    }
  });

  it('generates with the shipped model on the CPU: same seed, same text; reports tokens/s', async () => {
    const dir = 'public/weights/shakespeare-char';
    const files = new Map([MODEL_FILE, CONFIG_FILE, TOKENIZER_FILE].map((f) => [f, new Uint8Array(readFileSync(`${dir}/${f}`))]));
    const ck = decodeCheckpoint(files);
    const run = async (n: number) => {
      const dec = new RefDecoder(ck.config, refParamsFromFlat(ck.config, ck.params));
      const out: number[] = [];
      const t0 = performance.now();
      for await (const s of generate(dec, ck.tokenizer.encode('ROMEO:\n'), { maxNewTokens: n, temperature: 0.8, topK: 0, topP: 1, seed: 1337 })) out.push(s.token);
      return { text: ck.tokenizer.decode(out), ms: performance.now() - t0 };
    };
    const a = await run(200);
    const b = await run(200);
    expect(b.text).toBe(a.text);
    expect(a.text.length).toBeGreaterThan(100);
    console.log(`CPU decode, shipped model: 200 tokens (prompt 7) in ${a.ms.toFixed(0)} ms = ${((200 * 1000) / a.ms).toFixed(1)} tokens/s; second run ${((200 * 1000) / b.ms).toFixed(1)} tokens/s`);
  });
});
