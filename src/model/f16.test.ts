/**
 * The decoder on 16-bit weights (src/model/f16.ts), both storage forms: logits against the float64
 * reference, and greedy tokens against the f32 decoder on the shipped model and a GPT-2-shaped one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertClose } from '../../test/kernel-case';
import { gpuBytesInUse } from '../gpu/buffers';
import { testDevice } from '../../test/gpu';
import { Rng, randomInts } from '../../test/random';
import { refForward, type RefParams } from '../reference/gpt';
import { roundArrayF16 } from '../kernels/packed16';
import { CONFIG_FILE, decodeCheckpoint, MODEL_FILE, TOKENIZER_FILE } from './checkpoint';
import type { GPTConfig } from './config';
import { decoderWeightsRun, fitsF16, type DecoderWeights } from './f16';
import { Decoder, generate } from './generate';
import { GPT } from './gpt';
import { initParams } from './params';

const config: GPTConfig = { n_layer: 2, n_head: 3, n_embd: 24, block_size: 12, vocab_size: 17 };

/** A model with weights 0.25·N(0, 1) (peaked logits), its float64 parameters, and the same with every matrix rounded to f16. */
async function randomModel(seed: number, cfg: GPTConfig, maxBindingBytes?: number) {
  const device = await testDevice();
  const model = new GPT(device, cfg, { maxBindingBytes });
  const w = initParams(cfg, model.layout, seed);
  const rng = new Rng(seed);
  for (let i = 0; i < w.length; i++) if (w[i] !== 0 && w[i] !== 1) w[i] = 0.25 * rng.normal();
  model.setWeights(w);
  const p: RefParams = {};
  const p16: RefParams = {};
  for (const t of model.layout.tensors) {
    p[t.name] = Float64Array.from(w.subarray(t.offset, t.offset + t.size));
    // Only the matrices are stored in 16 bits; biases and layernorm gains stay f32 (src/model/f16.ts).
    p16[t.name] = t.shape.length === 2 ? roundArrayF16(p[t.name]!) : p[t.name]!;
  }
  return { model, p, p16 };
}

const FORMS: Exclude<DecoderWeights, 'f32'>[] = ['f16packed', 'f16'];

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

/**
 * Teacher-forced greedy agreement over `steps` positions: the f32 decoder generates greedily from
 * `prompt`; both decoders are then fed that same sequence and their argmax compared at every
 * position. (Compared free-running, one early flip would make every later position differ although
 * each step agrees; fed the same context, each position is judged on its own.) Positions wrap at the
 * block size, where both restart the cache alike.
 */
async function greedyAgreement(model: GPT, weights: DecoderWeights, prompt: number[], steps: number) {
  const f32 = new Decoder(model);
  const seq = [...prompt];
  for await (const s of generate(f32, prompt, { maxNewTokens: steps, temperature: 0 })) seq.push(s.token);
  const w16 = new Decoder(model, { weights });
  let same = 0;
  let firstDiff = -1;
  const maxT = model.config.block_size;
  for (let i = 0; i < seq.length - 1; i++) {
    const a = (await f32.step(seq[i]!, i % maxT)).logits!;
    const b = (await w16.step(seq[i]!, i % maxT)).logits!;
    if (i < prompt.length - 1) continue; // predictions of prompt tokens do not count
    if (argmax(a) === argmax(b)) same++;
    else if (firstDiff < 0) firstDiff = i;
  }
  f32.destroy();
  w16.destroy();
  return { same, total: steps, firstDiff };
}

describe('decoder with 16-bit weights', async () => {
  const device = await testDevice();
  if (process.env.CI && !decoderWeightsRun(device, 'f16')) throw new Error('the CI adapter (lavapipe) should have shader-f16');
  const forms = FORMS.filter((f) => decoderWeightsRun(device, f));

  for (const weights of forms) {
    for (const split of [false, true]) {
      it(`${weights}${split ? ', wte split into 64-row chunks' : ''}: logits within f16 rounding of the float64 reference`, async () => {
        const cfg = split ? { ...config, vocab_size: 150 } : config;
        const { model, p, p16 } = await randomModel(11, cfg, split ? 64 * cfg.n_embd * 4 : undefined);
        expect(model.wteChunks.length).toBe(split ? 3 : 1);
        const tokens = split ? [0, 63, 64, 127, 128, 149, 5, 100, 140, 70] : Array.from(randomInts(new Rng(12), cfg.block_size, cfg.vocab_size));
        const decoder = new Decoder(model, { weights });
        const V = cfg.vocab_size;
        for (let t = 0; t < tokens.length; t++) {
          const { logits } = await decoder.step(tokens[t]!, t);
          const row = (q: RefParams) => refForward(cfg, q, tokens.slice(0, t + 1), 1, t + 1).logits.subarray(t * V, (t + 1) * V);
          const exact16 = row(p16);
          // 1) Against the reference run on the same f16-rounded matrices: only f32 arithmetic
          //    differs, so the f32 decoder's tolerance (generate.test.ts) applies unchanged.
          assertClose(`${weights} vs float64 on f16 weights at position ${t}`, logits!, exact16, { atol: 1e-4, rtol: 1e-4 });
          // 2) Against the unrounded float64 reference: allowed what rounding the matrices to f16
          //    moves the logits in float64 (measured here, per position: max |ref(w16) - ref(w)|),
          //    twice over, plus the f32 tolerance. Rounding is relative 2^-11 per weight.
          const exact = row(p);
          let shift = 0;
          for (let i = 0; i < V; i++) shift = Math.max(shift, Math.abs(exact16[i]! - exact[i]!));
          expect(shift).toBeGreaterThan(0); // the rounding is real: the test would notice f32 weights
          assertClose(`${weights} vs float64 on f32 weights at position ${t}`, logits!, exact, { atol: 2 * shift + 1e-4, rtol: 1e-4 });
        }
        // The copy is about half of the f32 matrices' bytes (rows padded to 8 halves: C=24 pads none).
        const matrixFloats = model.layout.tensors.filter((t) => t.shape.length === 2).reduce((s, t) => s + t.size, 0);
        expect(decoder.weights16!.bytes).toBeLessThan(matrixFloats * 2 + 256 * model.layout.tensors.length);
        decoder.destroy();
        model.destroy();
      });
    }

    it(`${weights}: greedy tokens of the shipped model agree with f32 at >= 95% of 256 steps`, async () => {
      const dir = 'public/weights/shakespeare-char';
      const ck = decodeCheckpoint(new Map([MODEL_FILE, CONFIG_FILE, TOKENIZER_FILE].map((f) => [f, new Uint8Array(readFileSync(`${dir}/${f}`))])));
      const model = new GPT(device, ck.config);
      model.setWeights(ck.params);
      const r = await greedyAgreement(model, weights, ck.tokenizer.encode('ROMEO:\n'), 256);
      console.log(`shipped model, ${weights}: ${r.same}/${r.total} greedy steps agree with f32 (first difference at ${r.firstDiff})`);
      expect(r.same / r.total).toBeGreaterThanOrEqual(0.95);
      model.destroy();
    });

    it(`${weights}: greedy tokens of a GPT-2-shaped random model agree with f32 at >= 95% of 256 steps`, async () => {
      // GPT-2's vocabulary and block size, two narrow layers (the full width is too slow on a software adapter).
      const gpt2ish: GPTConfig = { n_layer: 2, n_head: 4, n_embd: 64, block_size: 1024, vocab_size: 50257 };
      const { model } = await randomModel(21, gpt2ish);
      const r = await greedyAgreement(model, weights, [464, 2068, 7586, 21831], 256);
      console.log(`GPT-2-shaped model, ${weights}: ${r.same}/${r.total} greedy steps agree with f32 (first difference at ${r.firstDiff})`);
      expect(r.same / r.total).toBeGreaterThanOrEqual(0.95);
      model.destroy();
    });
  }
});

describe('a model that keeps only its vectors on the GPU (16-bit matrices in the decoder)', async () => {
  const device = await testDevice();
  it('decodes the same logits as the full model, in about half the GPU memory', async () => {
    const cfg: GPTConfig = { n_layer: 2, n_head: 4, n_embd: 64, block_size: 16, vocab_size: 150 };
    const full = await randomModel(31, cfg);
    const w = new Float32Array(full.model.layout.totalFloats);
    for (const t of full.model.layout.tensors) w.set(full.p[t.name]!, t.offset); // the same f32 weights
    const before = gpuBytesInUse(device);
    const lean = new GPT(device, cfg, { params: 'vectors' });
    lean.setWeights(w);
    const leanDecoder = new Decoder(lean, { weights: 'f16packed', hostWeights: w });
    const leanBytes = gpuBytesInUse(device) - before;
    const beforeFull = gpuBytesInUse(device);
    const fullDecoder = new Decoder(full.model, { weights: 'f32' });
    const fullBytes = full.model.params.size + gpuBytesInUse(device) - beforeFull;
    const V = cfg.vocab_size;
    const tokens = Array.from(randomInts(new Rng(32), cfg.block_size, V));
    for (let t = 0; t < tokens.length; t++) {
      const { logits } = await leanDecoder.step(tokens[t]!, t);
      const exact16 = refForward(cfg, full.p16, tokens.slice(0, t + 1), 1, t + 1).logits.subarray(t * V, (t + 1) * V);
      assertClose(`vectors-only model vs float64 on f16 weights at position ${t}`, logits!, exact16, { atol: 1e-4, rtol: 1e-4 });
    }
    // Against the f32 model and its f32 decoder: the weights' bytes halve (activations and the KV cache do not).
    console.log(`vectors-only + 16-bit decoder: ${leanBytes} bytes; f32 model + f32 decoder: ${fullBytes} bytes`);
    expect(leanBytes).toBeLessThan(0.6 * fullBytes);
    // Its f32 matrices are not there to read: an f32 decoder (or training) is refused.
    expect(() => new Decoder(lean)).toThrow(/keeps only its vectors/);
    leanDecoder.destroy();
    fullDecoder.destroy();
    lean.destroy();
    full.model.destroy();
  });
});

describe('fitsF16', () => {
  it('is true while every weight rounds to a finite half, false from 65520 (rounds to Inf) and for NaN', () => {
    expect(fitsF16(new Float32Array([0, -1.5, 65504, -65519]))).toBe(true);
    expect(fitsF16(new Float32Array([1, 65520]))).toBe(false);
    expect(fitsF16(new Float32Array([-1e6, 0]))).toBe(false);
    expect(fitsF16(new Float32Array([Number.NaN]))).toBe(false);
  });
});
