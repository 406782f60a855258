/**
 * The trace of one position on the GPU, for the "How it works" view: one decode step at `pos`
 * through the decoder's block sequence (GPT.recordBlock), recorded with capture hooks
 * (Decoder.stepTapped, BlockOps.tap) that copy each stage's output into one capture buffer right
 * after the stage writes it. The decoder is the one that generates, with the weights it reads (f32,
 * or its 16-bit copy): the view shows the numbers the model writes with. The keys and values of
 * positions 0..pos-1 come from the decoder's KV cache: the rows it already holds for these tokens
 * (the Write tab's text, an earlier trace), the rest filled first (Decoder.fill). So a trace costs
 * one decode step plus the read-back wherever the cache holds the text, at any position.
 *
 * The tapped step is ONE command encoder and ONE submit, capture -> staging in the same encoder,
 * then ONE mapAsync. The capture buffer is laid out once for the decoder's longest position
 * (traceLayout puts what depends on the position last), and the decoder records the tapped step
 * once and keeps it: a later trace only points the embedding-row copies and the attention-row
 * kernels at its token and position. Nothing is captured while the view is closed: the plain step
 * that generation runs has no taps. The earlier positions' keys stay on the GPU: their scores and
 * weights are what the view shows (and what the tests hold against the reference, so a wrong
 * cached key fails them).
 *
 * Letters: n = pos+1 positions, C channels, NH heads, V vocab.
 */
import { createBuffer, createStorage, USAGE } from '../gpu/buffers';
import { packParams, setParams, type Buf, type Dispatch } from '../gpu/dispatch';
import { EngineError } from '../errors';
import { attentionRow } from '../kernels/attention_row';
import { f16BitsToF32, packedRowWords } from '../kernels/packed16';
import type { Weights16 } from './f16';
import type { Decoder, StepTaps } from './generate';
import type { BlockStage } from './gpt';
import type { Op } from './ops';
import { traceLayout, unpackTrace, type TraceLayout, type TraceNumbers } from './token-trace';

const F = 4; // bytes per float

type Copy = Extract<Op, { copy: unknown }>['copy'];

/**
 * One decoder's capture: the buffer every trace's copies land in and its staging buffer, both laid
 * out for the longest position (n = maxT), and the taps that record those copies into the step.
 */
class Capture implements StepTaps {
  readonly cap: GPUBuffer;
  readonly staging: GPUBuffer;
  readonly owned: readonly GPUBuffer[];
  /** The layout of the position-independent parts (every n agrees on them). */
  private fixed: TraceLayout;
  /** The copies of the token's and the position's embedding rows, and each block's attention-row kernel, as last recorded. */
  private rows: { token?: Copy; position?: Copy; attention: Dispatch[] } = { attention: [] };
  private w16?: Weights16;
  /** The last trace's end: one trace at a time maps the staging buffer. */
  last: Promise<unknown> = Promise.resolve();

  constructor(private decoder: Decoder) {
    const d = decoder.model.device;
    const cfg = decoder.model.config;
    const bytes = traceLayout(cfg, decoder.maxT).total * F;
    if (bytes > d.limits.maxStorageBufferBindingSize) {
      throw new EngineError('TOO_LARGE', `a trace of this model needs ${(bytes / 2 ** 20).toFixed(0)} MiB of capture, more than one storage binding of this adapter`);
    }
    this.fixed = traceLayout(cfg, 1);
    this.cap = createStorage(d, 'trace.capture', bytes);
    this.staging = createBuffer(d, { label: 'trace.staging', size: bytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    this.owned = [this.cap, this.staging];
  }

  /** Copies `floats` floats from float `from` of `src` to float `to` of the capture. */
  private copy(src: Buf, from: number, to: number, floats: number): Op {
    return { copy: { src: { buffer: src.buffer, offset: (src.offset ?? 0) + from * F }, dst: { buffer: this.cap, offset: to * F }, bytes: floats * F } };
  }

  /** A whole one-row buffer (its first `floats`) into the capture at `to`. */
  private all(src: GPUBuffer, floats: number, to: number): Op {
    return this.copy({ buffer: src }, 0, to, floats);
  }

  /** The rows as stored (f32, or the 16-bit copy's packed halves: ceil(C/2) words, widened after the read-back), and their sum. */
  embedding(x0: GPUBuffer, w16: Weights16 | undefined): Op[] {
    const C = this.decoder.model.config.n_embd;
    const lay = this.fixed;
    this.w16 = w16;
    const words = w16 ? Math.ceil(C / 2) : C; // position() points the two row copies at their rows
    const token = this.copy({ buffer: this.cap }, 0, lay.tokenEmbedding, words);
    const position = this.copy({ buffer: this.cap }, 0, lay.positionEmbedding, words);
    this.rows = { token: (token as { copy: Copy }).copy, position: (position as { copy: Copy }).copy, attention: [] };
    return [token, position, this.all(x0, C, lay.embedding)];
  }

  block: StepTaps['block'] = (l, stage, x, cache) => {
    const { n_embd: C, n_head: NH } = this.decoder.model.config;
    const at = this.fixed.blocks[l]!;
    const all = (src: GPUBuffer, floats: number, to: number) => this.all(src, floats, to);
    const taps: Record<BlockStage, () => Op[]> = {
      ln_1: () => [all(x.ln1, C, at.ln1), all(x.ln1Mean, 1, at.ln1Mean), all(x.ln1Rstd, 1, at.ln1Rstd)],
      c_attn: () => [all(x.qkv, 3 * C, at.qkv)],
      // After the decode kernel wrote this position's key into row pos of the cache; position()
      // sets its position and where its scores and weights go.
      attn: () => {
        const row = attentionRow(this.decoder.model.device, { buffer: this.cap }, { buffer: x.qkv }, { buffer: cache.k }, 0, C, NH, { scores: 0, weights: 0 });
        this.rows.attention[l] = row;
        return [row, all(x.atty, C, at.heads)];
      },
      attn_proj: () => [all(x.scratch, C, at.attnOut)],
      attn_resid: () => [all(x.res2, C, at.afterAttn)],
      ln_2: () => [all(x.ln2, C, at.ln2), all(x.ln2Mean, 1, at.ln2Mean), all(x.ln2Rstd, 1, at.ln2Rstd)],
      c_fc: () => [all(x.fch, 4 * C, at.fc), all(x.fchGelu, 4 * C, at.fcGelu)],
      mlp_proj: () => [all(x.scratch, C, at.mlpOut)],
      mlp_resid: () => [all(x.res3, C, at.out)],
    };
    return taps[stage]();
  };

  head: StepTaps['head'] = (h) => {
    const { n_embd: C, vocab_size: V } = this.decoder.model.config;
    const lay = this.fixed;
    return [this.all(h.lnf, C, lay.lnf), this.all(h.lnfMean, 1, lay.lnfMean), this.all(h.lnfRstd, 1, lay.lnfRstd), this.all(h.logits, V, lay.logits)];
  };

  position(token: number, pos: number): void {
    const model = this.decoder.model;
    const C = model.config.n_embd;
    const w16 = this.w16;
    const rowOf = (which: 'wte' | 'wpe', i: number): Buf => {
      if (!w16) return which === 'wte' ? model.wte({ lo: i, hi: i + 1 }) : { ...model.p('wpe.weight'), offset: (model.p('wpe.weight').offset ?? 0) + i * C * F };
      if (which === 'wte') return w16.wte({ lo: i, hi: i + 1 });
      const wpe = w16.view('wpe.weight');
      return { buffer: wpe.buffer, offset: (wpe.offset ?? 0) + i * packedRowWords(C) * 4 };
    };
    const point = (c: Copy | undefined, src: Buf) => {
      if (!c) throw new Error('the tapped step was not recorded');
      c.src = { buffer: src.buffer, offset: src.offset ?? 0 };
    };
    point(this.rows.token, rowOf('wte', token));
    point(this.rows.position, rowOf('wpe', pos));
    const lay = traceLayout(model.config, pos + 1);
    if (this.rows.attention.length !== lay.blocks.length) throw new Error('the tapped step has an attention row per block');
    this.rows.attention.forEach((row, l) => {
      setParams(model.device, row, packParams([{ u32: pos }, { u32: C }, { u32: lay.blocks[l]!.scores }, { u32: lay.blocks[l]!.weights }]));
    });
  }

  /** After the read-back: the 16-bit rows' halves widened in place to the floats they stand for. */
  widen(all: Float32Array): void {
    if (!this.w16) return;
    const C = this.decoder.model.config.n_embd;
    for (const at of [this.fixed.tokenEmbedding, this.fixed.positionEmbedding]) {
      const words = new Uint32Array(all.buffer, all.byteOffset + at * F, Math.ceil(C / 2)).slice();
      for (let i = 0; i < C; i++) all[at + i] = f16BitsToF32(i % 2 === 0 ? words[i >> 1]! & 0xffff : words[i >> 1]! >>> 16);
    }
  }
}

/** Each decoder's capture, made on its first trace; the decoder frees its buffers (StepTaps.owned). */
const captures = new WeakMap<Decoder, Capture>();

/**
 * Traces the last of `tokens` (pos = tokens.length - 1) with `decoder`, whose cache is left holding
 * `tokens`. SYNC POINT: one mapAsync.
 */
export async function traceGpu(decoder: Decoder, tokens: readonly number[]): Promise<TraceNumbers> {
  const cfg = decoder.model.config;
  const V = cfg.vocab_size;
  const n = tokens.length;
  if (n < 1 || n > cfg.block_size) throw new EngineError('BAD_CONFIG', `a trace needs 1..${cfg.block_size} tokens, got ${n}`);
  for (const t of tokens) if (!Number.isInteger(t) || t < 0 || t >= V) throw new EngineError('BAD_CONFIG', `token id ${t} is outside the vocabulary (0..${V - 1})`);
  let capture = captures.get(decoder);
  if (!capture) captures.set(decoder, (capture = new Capture(decoder)));
  const c = capture;
  const run = c.last.catch(() => undefined).then(async () => {
    const pos = n - 1;
    const bytes = traceLayout(cfg, n).total * F;
    decoder.fill(tokens.slice(0, pos)); // the keys and values of the positions before this one
    decoder.stepTapped(tokens[pos]!, pos, c, (enc) => enc.copyBufferToBuffer(c.cap, 0, c.staging, 0, bytes));
    await c.staging.mapAsync(1 /* GPUMapMode.READ */, 0, bytes); // SYNC POINT: the one read-back
    const data = c.staging.getMappedRange(0, bytes).slice(0);
    c.staging.unmap();
    c.widen(new Float32Array(data));
    return unpackTrace(data, cfg, n);
  });
  c.last = run;
  return run;
}
