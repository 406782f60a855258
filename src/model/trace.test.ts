/**
 * The "How it works" trace: every stage the GPU trace copies out (src/model/trace.ts) against the
 * float64 trace (src/reference/trace.ts), the traced logits against the GPU decoder's, and the
 * float64 trace's logits and attention against the full reference forward. The trace reads the
 * earlier positions' keys and values from the decoder's cache: held from generation, filled by a
 * batched prefill, by decode steps, or refilled where the cache held other tokens; each way must
 * give the reference's numbers, and leave a cache that generation can go on from.
 */
import { describe, expect, it } from 'vitest';
import { assertClose } from '../../test/kernel-case';
import { testDevice } from '../../test/gpu';
import { Rng, randomInts } from '../../test/random';
import { refAttentionProbs, refForward, type RefParams } from '../reference/gpt';
import { refTrace } from '../reference/trace';
import type { GPTConfig } from './config';
import { gpuBytesInUse, readBuffer } from '../gpu/buffers';
import { kernelChoice, setKernelChoice } from '../kernels/choice';
import { roundArrayF16 } from '../kernels/packed16';
import { layout16 } from './buffer-plan';
import { decoderWeightsRun } from './f16';
import { Decoder } from './generate';
import { prefillFits } from './prefill';
import { GPT } from './gpt';
import { initParams } from './params';
import { prefillCache } from './prefill';
import type { TraceNumbers } from './token-trace';
import { traceGpu } from './trace';

async function model(config: GPTConfig, seed: number, maxBindingBytes?: number) {
  const device = await testDevice();
  const m = new GPT(device, config, { maxBindingBytes });
  const w = initParams(config, m.layout, seed);
  const rng = new Rng(seed);
  for (let i = 0; i < w.length; i++) if (w[i] !== 0 && w[i] !== 1) w[i] = 0.25 * rng.normal();
  m.setWeights(w);
  const p: RefParams = {};
  for (const t of m.layout.tensors) p[t.name] = Float64Array.from(w.subarray(t.offset, t.offset + t.size));
  return { m, p };
}

/** Per stage: float32 GPU vs float64 reference. Vectors after more matmuls get looser bounds. */
const TOL = { tight: { atol: 1e-6, rtol: 1e-6 }, stage: { atol: 2e-5, rtol: 2e-4 }, deep: { atol: 1e-4, rtol: 1e-3 } };

function compare(gpu: TraceNumbers, ref: TraceNumbers, what: string): void {
  assertClose(`${what} token embedding`, gpu.tokenEmbedding, ref.tokenEmbedding, TOL.tight);
  assertClose(`${what} position embedding`, gpu.positionEmbedding, ref.positionEmbedding, TOL.tight);
  assertClose(`${what} embedding sum`, gpu.embedding, ref.embedding, TOL.tight);
  gpu.blocks.forEach((g, l) => {
    const r = ref.blocks[l]!;
    const at = `${what} block ${l}`;
    const tol = l === 0 ? TOL.stage : TOL.deep;
    assertClose(`${at} ln_1 out`, g.ln1.out, r.ln1.out, tol);
    assertClose(`${at} ln_1 mean, rstd`, [g.ln1.mean, g.ln1.rstd], [r.ln1.mean, r.ln1.rstd], tol);
    assertClose(`${at} q,k,v`, g.qkv, r.qkv, tol);
    assertClose(`${at} scores`, g.scores, r.scores, tol);
    assertClose(`${at} attention weights`, g.weights, r.weights, tol);
    assertClose(`${at} heads (before c_proj)`, g.heads, r.heads, tol);
    assertClose(`${at} attention branch (c_proj)`, g.attnOut, r.attnOut, tol);
    assertClose(`${at} residual after attention`, g.afterAttn, r.afterAttn, tol);
    assertClose(`${at} ln_2 out`, g.ln2.out, r.ln2.out, tol);
    assertClose(`${at} ln_2 mean, rstd`, [g.ln2.mean, g.ln2.rstd], [r.ln2.mean, r.ln2.rstd], tol);
    assertClose(`${at} MLP before GELU`, g.fc, r.fc, tol);
    assertClose(`${at} MLP after GELU`, g.fcGelu, r.fcGelu, tol);
    assertClose(`${at} MLP branch`, g.mlpOut, r.mlpOut, tol);
    assertClose(`${at} block output`, g.out, r.out, tol);
  });
  assertClose(`${what} ln_f out`, gpu.lnf.out, ref.lnf.out, TOL.deep);
  assertClose(`${what} logits`, gpu.logits, ref.logits, TOL.deep);
}

describe('trace of one position ("How it works")', () => {
  // Awkward sizes: 3 heads of 5 channels, vocabulary 17, block 19; positions 0, 1, 16 and the last.
  const config: GPTConfig = { n_layer: 3, n_head: 3, n_embd: 15, block_size: 19, vocab_size: 17 };

  it('every stage on the GPU matches the float64 trace; logits match the decoder and the full forward', async () => {
    const { m, p } = await model(config, 7);
    const tokens = Array.from(randomInts(new Rng(8), config.block_size, config.vocab_size));
    const decoder = new Decoder(m);
    const V = config.vocab_size;
    const decoded: Float32Array[] = [];
    for (let t = 0; t < tokens.length; t++) decoded.push((await decoder.step(tokens[t]!, t)).logits!);
    // The cache holds every token (generation's): each trace is one tapped step.
    for (const pos of [0, 1, 16, tokens.length - 1]) {
      const seq = tokens.slice(0, pos + 1);
      expect(decoder.holds(seq)).toBe(tokens.length > pos ? pos + 1 : 0);
      const gpu = await traceGpu(decoder, seq);
      const ref = refTrace(config, p, seq);
      compare(gpu, ref, `position ${pos}:`);
      assertClose(`position ${pos}: traced logits vs the decoder's`, gpu.logits, decoded[pos]!, { atol: 1e-4, rtol: 1e-4 });
      // The float64 trace against the whole-sequence reference forward (logits, each head's weights).
      const full = refForward(config, p, seq, 1, pos + 1).logits.subarray(pos * V, (pos + 1) * V);
      assertClose(`position ${pos}: float64 trace logits vs refForward`, ref.logits, full, { atol: 1e-5, rtol: 1e-5 });
      const probs = refAttentionProbs(config, p, seq); // (L, NH, T, T)
      const T = pos + 1;
      for (let l = 0; l < config.n_layer; l++) {
        for (let h = 0; h < config.n_head; h++) {
          const start = ((l * config.n_head + h) * T + pos) * T;
          assertClose(`position ${pos} block ${l} head ${h}: weights vs refAttentionProbs`, ref.blocks[l]!.weights.subarray(h * T, (h + 1) * T), probs.subarray(start, start + T), { atol: 1e-6, rtol: 1e-5 });
          const sum = gpu.blocks[l]!.weights.subarray(h * T, (h + 1) * T).reduce((s, x) => s + x, 0);
          expect(Math.abs(sum - 1), `block ${l} head ${h} weights sum to ${sum}`).toBeLessThan(1e-5);
        }
      }
      // Block l's input is the previous block's output, as the view draws the residual stream.
      expect(gpu.blocks[1]!.input).toBe(gpu.blocks[0]!.out);
    }
    decoder.destroy();
    m.destroy();
  });

  it('a cold cache is filled (batched prefill, decode steps, refill after other tokens) and the trace equals the reference', async () => {
    const { m, p } = await model(config, 21);
    const tokens = Array.from(randomInts(new Rng(22), config.block_size, config.vocab_size));
    const decoder = new Decoder(m);
    // 16 missing rows: the batched prefill; then 1 missing row (17): a decode step; then rows held.
    for (const pos of [16, 18, 1, 0]) {
      const seq = tokens.slice(0, pos + 1);
      compare(await traceGpu(decoder, seq), refTrace(config, p, seq), `fresh cache, position ${pos}:`);
      expect(decoder.holds(tokens)).toBeGreaterThanOrEqual(pos + 1);
    }
    // Other tokens from position 5 on: rows 5.. are refilled, not read stale.
    const other = [...tokens.slice(0, 5), ...tokens.slice(5).map((t) => (t + 1) % config.vocab_size)];
    expect(decoder.holds(other)).toBe(5);
    compare(await traceGpu(decoder, other.slice(0, 15)), refTrace(config, p, other.slice(0, 15)), 'other tokens, position 14:');
    // New weights make every held row stale.
    m.setWeights(new Float32Array(m.layout.totalFloats).fill(0.01));
    expect(decoder.holds(other)).toBe(0);
    decoder.destroy();
    m.destroy();
  });

  it('a late position traces as the reference, and the filled cache generates on as the full forward', async () => {
    // GPT-2's head size (64 channels, 2 heads), a 64-position block: the trace at 62 fills 62 rows.
    const late: GPTConfig = { n_layer: 2, n_head: 2, n_embd: 128, block_size: 64, vocab_size: 50 };
    const { m, p } = await model(late, 31);
    const tokens = Array.from(randomInts(new Rng(32), late.block_size, late.vocab_size));
    const decoder = new Decoder(m);
    const seq = tokens.slice(0, 63);
    compare(await traceGpu(decoder, seq), refTrace(late, p, seq), 'position 62, cold cache:');
    // The next decode step reads the prefilled rows 0..61 and the traced row 62.
    const next = (await decoder.step(tokens[63]!, 63)).logits!;
    const V = late.vocab_size;
    assertClose('position 63 after the trace: decoder vs refForward', next, refForward(late, p, tokens, 1, 64).logits.subarray(63 * V, 64 * V), TOL.deep);
    decoder.destroy();
    m.destroy();
  });

  it('with wte split into binding-sized chunks, a token of the last chunk traces the same as the reference', async () => {
    const split: GPTConfig = { n_layer: 1, n_head: 2, n_embd: 8, block_size: 7, vocab_size: 150 };
    const { m, p } = await model(split, 11, 64 * split.n_embd * 4);
    expect(m.wteChunks.length).toBe(3);
    const seq = [3, 149, 64, 127, 128];
    const decoder = new Decoder(m);
    compare(await traceGpu(decoder, seq), refTrace(split, p, seq), 'split wte:');
    decoder.destroy();
    m.destroy();
  });

  it('refuses token ids outside the vocabulary and sequences longer than the block', async () => {
    const { m } = await model(config, 3);
    const decoder = new Decoder(m);
    await expect(traceGpu(decoder, [1, 17])).rejects.toThrow(/outside the vocabulary/);
    await expect(traceGpu(decoder, Array(20).fill(0))).rejects.toThrow(/1\.\.19 tokens/);
    decoder.destroy();
    m.destroy();
  });

  describe('on a decoder of 16-bit weights (what generation reads by default)', async () => {
    const device = await testDevice();
    for (const weights of (['f16packed', 'f16'] as const).filter((w) => decoderWeightsRun(device, w))) {
      it(`${weights}: every stage equals the float64 trace on the weights rounded to half, and the decoder's own logits`, async () => {
        const { m, p } = await model(config, 41);
        const half = roundedToHalf(config, p);
        const tokens = Array.from(randomInts(new Rng(42), config.block_size, config.vocab_size));
        const decoder = new Decoder(m, { weights });
        const decoded: Float32Array[] = [];
        for (let t = 0; t < tokens.length; t++) decoded.push((await decoder.step(tokens[t]!, t)).logits!);
        for (const pos of [0, 5, tokens.length - 1]) {
          const seq = tokens.slice(0, pos + 1);
          const gpu = await traceGpu(decoder, seq);
          compare(gpu, refTrace(config, half, seq), `${weights} position ${pos}:`);
          assertClose(`${weights} position ${pos}: traced logits vs the 16-bit decoder's`, gpu.logits, decoded[pos]!, { atol: 1e-4, rtol: 1e-4 });
        }
        // A cold position: the 12 missing rows are filled by the 16-bit batched prefill.
        const other = tokens.map((t) => (t + 3) % config.vocab_size).slice(0, 12);
        compare(await traceGpu(decoder, other), refTrace(config, half, other), `${weights} other tokens, position 11:`);
        decoder.destroy();
        m.destroy();
      });
    }
  });

  describe('the batched prefill of a 16-bit decoder', async () => {
    const device = await testDevice();
    // Cache rows of the prefill against its decode steps': layer 0's keys and values come from the
    // same half-precision embedding and c_attn sums (up to the compiler's fusing of multiply-adds),
    // later layers' from attention summed in another order (the prefill runs training's forward
    // kernel): a few f32 ulps of values of order 1. Measured max |diff| 1.2e-6 (both forms); allowed 1e-5.
    const ROWS_TOL = { atol: 1e-5, rtol: 1e-5 };
    for (const weights of (['f16packed', 'f16'] as const).filter((w) => decoderWeightsRun(device, w))) {
      it(`${weights}: writes the cache rows its decode steps write (a model that keeps only its vectors), and a step after it gives the reference's logits`, async () => {
        const { m, p } = await model(config, 61);
        const half = roundedToHalf(config, p);
        const tokens = Array.from(randomInts(new Rng(62), config.block_size, config.vocab_size));
        const T = 17; // more than a tile of matvec16 rows (MATVEC16_ROWS), not a multiple of it
        const stepped = new Decoder(m, { weights });
        for (let t = 0; t < T; t++) await stepped.step(tokens[t]!, t);
        // The prefill on a model without f32 matrices: a read of one would throw.
        const w = new Float32Array(m.layout.totalFloats);
        for (const t of m.layout.tensors) w.set(p[t.name]!, t.offset);
        const lean = new GPT(device, config, { params: 'vectors' });
        lean.setWeights(w);
        const filled = new Decoder(lean, { weights, hostWeights: w });
        prefillCache(lean, filled.caches, tokens.slice(0, T), filled.weights16);
        const C = config.n_embd;
        let worst = 0;
        for (let l = 0; l < config.n_layer; l++) {
          for (const kv of ['k', 'v'] as const) {
            const got = new Float32Array(await readBuffer(device, filled.caches[l]![kv], 0, T * C * 4));
            const want = new Float32Array(await readBuffer(device, stepped.caches[l]![kv], 0, T * C * 4));
            for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
            assertClose(`${weights} layer ${l} ${kv} rows 0..${T - 1}: prefill vs decode steps`, got, want, ROWS_TOL);
          }
        }
        console.log(`${weights}: prefill vs decode-step cache rows, max |diff| ${worst.toExponential(2)}`);
        const V = config.vocab_size;
        const next = (await filled.step(tokens[T]!, T)).logits!;
        assertClose(`${weights} position ${T} after the prefill: decoder vs float64 on the weights rounded to half`, next, refForward(config, half, tokens.slice(0, T + 1), 1, T + 1).logits.subarray(T * V, (T + 1) * V), TOL.deep);
        // Through Decoder.fill: more than a few missing rows go to the prefill, and generation goes on from them.
        filled.fill(tokens.slice(0, T));
        expect(filled.holds(tokens)).toBe(T);
        filled.destroy();
        stepped.destroy();
        lean.destroy();
        m.destroy();
      });
    }
  });

  it('records the tapped step once per decoder: later traces make no GPU buffers, a new kernel choice re-records it; traces asked at once each get their own numbers', async () => {
    const { m, p } = await model(config, 51);
    const tokens = Array.from(randomInts(new Rng(52), config.block_size, config.vocab_size));
    const decoder = new Decoder(m);
    await traceGpu(decoder, tokens.slice(0, 3));
    const bytes = gpuBytesInUse(m.device);
    const [a, b] = await Promise.all([traceGpu(decoder, tokens.slice(0, 9)), traceGpu(decoder, tokens.slice(0, 4))]);
    compare(a, refTrace(config, p, tokens.slice(0, 9)), 'at once, position 8:');
    compare(b, refTrace(config, p, tokens.slice(0, 4)), 'at once, position 3:');
    expect(gpuBytesInUse(m.device)).toBe(bytes);
    // The kernel choice moves on (the background tuner finished): the tapped step is recorded again, on the same capture.
    setKernelChoice(m.device, kernelChoice(m.device));
    compare(await traceGpu(decoder, tokens.slice(0, 7)), refTrace(config, p, tokens.slice(0, 7)), 'after a new kernel choice, position 6:');
    expect(gpuBytesInUse(m.device)).toBe(bytes);
    decoder.destroy();
    expect(gpuBytesInUse(m.device)).toBeLessThan(bytes);
    m.destroy();
  });
});

describe('prefillFits', () => {
  it('counts the (T, 4C) rows the prefill makes, not a (T, V) logits buffer it never makes', () => {
    const gpt2: GPTConfig = { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 };
    expect(prefillFits(gpt2, { maxStorageBufferBindingSize: 128 * 2 ** 20 }, 1024)).toBe(true); // 12 MiB of MLP rows (the logits would be 196 MiB)
    expect(prefillFits(gpt2, { maxStorageBufferBindingSize: 2 ** 20 }, 1024)).toBe(false);
    expect(prefillFits(gpt2, { maxStorageBufferBindingSize: 1024 * 4 * 768 * 4 }, 1024)).toBe(true);
  });
});

/** The reference's parameters with every matrix the 16-bit copy holds (layout16) rounded to half, as the decoder reads them. */
function roundedToHalf(config: GPTConfig, p: RefParams): RefParams {
  const out: RefParams = { ...p };
  for (const name of layout16(config).placed.keys()) out[name] = roundArrayF16(Float64Array.from(p[name]!));
  return out;
}
