/**
 * The trace of one position on the GPU, for the "How it works" view: one decode step at `pos`
 * through the decoder's block sequence (GPT.recordBlock), recorded with taps (Decoder.stepTapped,
 * StepTaps) that have each stage write its output straight into a capture buffer instead of the
 * decoder's shared row buffers: keeping every intermediate costs no copy between the stages. The
 * decoder is the one that generates, with the weights it reads (f32, or its 16-bit copy): the view
 * shows the numbers the model writes with. The keys and values of positions 0..pos-1 come from the
 * decoder's KV cache: the rows it already holds for these tokens (the Write tab's text, an earlier
 * trace), the rest filled first (Decoder.fill, a batched prefill). So a trace costs one decode step
 * plus the read-back wherever the cache holds the text, at any position.
 *
 * The tapped step is ONE command encoder and ONE submit (capture -> staging in the same encoder),
 * then ONE mapAsync. The capture is laid out once for the decoder's longest position, and the
 * decoder records the tapped step once and keeps it: a later trace only points the embedding-row
 * copies at its token, and the step's position setters put each layer's attention rows where
 * traceLayout wants them for that position. The attention weights are the decode kernel's own
 * softmax (the numbers that weighted the values), written into the capture with the scores before
 * it (attention_decode.wgsl, KEEP_SCORES): no dispatch of the trace's own. Nothing is captured while the view is closed:
 * the plain step that generation runs has no taps. The earlier positions' keys stay on the GPU:
 * their scores and weights are what the view shows (and what the tests hold against the
 * reference, so a wrong cached key fails them). The read-back is laid out again by traceLayout
 * (src/model/token-trace.ts), the one layout the CPU trace fills too.
 *
 * Letters: n = pos+1 positions, C channels, NH heads, V vocab.
 */
import { createBuffer, createStorage, USAGE } from '../gpu/buffers';
import type { Buf } from '../gpu/dispatch';
import { EngineError } from '../errors';
import { f16BitsToF32, packedRowWords } from '../kernels/packed16';
import type { Weights16 } from './f16';
import type { Decoder, StepTaps, TapRows } from './generate';
import type { Op } from './ops';
import { traceLayout, unpackTrace, type TraceLayout, type TraceNumbers } from './token-trace';

const F = 4; // bytes per float

type Copy = Extract<Op, { copy: unknown }>['copy'];

/** One part of the trace in the capture: its float offset in traceLayout (`at`) and in its buffer (`gpu`), and its length. */
interface Part {
  at: number;
  gpu: number;
  floats: number;
  side: 'a' | 'b';
}

/**
 * One decoder's capture: two buffers the tapped step writes its stages into, and the staging buffer
 * they are read back through. Two, because a dispatch may not bind one buffer both read-only and
 * writable: each stage writes into the other buffer than the one it reads (a: ln_1, the heads and
 * the attention rows (the decode kernel writes both), the residual after attention, the MLP's
 * hidden units, ln_f; b: q,k,v, the two branches, ln_2, and what the end copies). Each part starts at the adapter's storage offset
 * alignment. Laid out once for the longest position: the scores and weights come last in a.
 */
class Capture implements StepTaps {
  readonly a: GPUBuffer;
  readonly b: GPUBuffer;
  readonly staging: GPUBuffer;
  readonly owned: readonly GPUBuffer[];
  private parts: Part[] = [];
  /** Floats of b, and where a's scores and weights start. */
  private sizeB: number;
  private tailA: number;
  /** The copies of the token's and the position's embedding rows, as last recorded. */
  private rows: { token?: Copy; position?: Copy } = {};
  /** traceLayout of the last position asked for (the attention rows' offsets depend on it). */
  private at?: { n: number; lay: TraceLayout };
  private w16?: Weights16;
  private fixed: TraceLayout;
  /** The last trace's end: one trace at a time maps the staging buffer. */
  last: Promise<unknown> = Promise.resolve();

  constructor(private decoder: Decoder) {
    const d = decoder.model.device;
    const cfg = decoder.model.config;
    const { n_layer: L, n_head: NH, n_embd: C, vocab_size: V } = cfg;
    const align = Math.max(1, d.limits.minStorageBufferOffsetAlignment / F);
    const lay = (this.fixed = traceLayout(cfg, 1));
    const size = { a: 0, b: 0 };
    const put = (at: number, floats: number, side: 'a' | 'b') => {
      this.parts.push({ at, gpu: size[side], floats, side });
      size[side] += Math.ceil(floats / align) * align;
    };
    put(lay.tokenEmbedding, C, 'b');
    put(lay.positionEmbedding, C, 'b');
    put(lay.embedding, C, 'b');
    for (const k of lay.blocks) {
      put(k.ln1, C, 'a');
      put(k.ln1Mean, 1, 'a');
      put(k.ln1Rstd, 1, 'a');
      put(k.qkv, 3 * C, 'b');
      put(k.heads, C, 'a');
      put(k.attnOut, C, 'b');
      put(k.afterAttn, C, 'a');
      put(k.ln2, C, 'b');
      put(k.ln2Mean, 1, 'b');
      put(k.ln2Rstd, 1, 'b');
      put(k.fc, 4 * C, 'a');
      put(k.fcGelu, 4 * C, 'a');
      put(k.mlpOut, C, 'b');
      put(k.out, C, 'b');
    }
    put(lay.lnf, C, 'a');
    put(lay.lnfMean, 1, 'a');
    put(lay.lnfRstd, 1, 'a');
    put(lay.logits, V, 'b');
    this.sizeB = size.b;
    this.tailA = size.a;
    const floatsA = size.a + 2 * L * NH * decoder.maxT;
    for (const floats of [floatsA, size.b]) {
      if (floats * F > d.limits.maxStorageBufferBindingSize) {
        throw new EngineError('TOO_LARGE', `a trace of this model needs ${((floats * F) / 2 ** 20).toFixed(0)} MiB of capture in one buffer, more than one storage binding of this adapter`);
      }
    }
    this.a = createStorage(d, 'trace.capture_a', floatsA * F);
    this.b = createStorage(d, 'trace.capture_b', size.b * F);
    this.staging = createBuffer(d, { label: 'trace.staging', size: (size.b + floatsA) * F, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    this.owned = [this.a, this.b, this.staging];
  }

  /** The capture range of the part at float `at` of traceLayout. */
  private range(at: number): Buf {
    const p = this.parts.find((x) => x.at === at);
    if (!p) throw new Error(`no capture part at ${at}`);
    return { buffer: p.side === 'a' ? this.a : this.b, offset: p.gpu * F, size: p.floats * F };
  }

  layer(l: number): TapRows {
    const k = this.fixed.blocks[l]!;
    const r = (at: number) => this.range(at);
    return {
      ln1: r(k.ln1), ln1Mean: r(k.ln1Mean), ln1Rstd: r(k.ln1Rstd), qkv: r(k.qkv), atty: r(k.heads), attnOut: r(k.attnOut), res2: r(k.afterAttn),
      ln2: r(k.ln2), ln2Mean: r(k.ln2Mean), ln2Rstd: r(k.ln2Rstd), fch: r(k.fc), fchGelu: r(k.fcGelu), mlpOut: r(k.mlpOut),
    };
  }

  head(): ReturnType<StepTaps['head']> {
    const lay = this.fixed;
    return { lnf: this.range(lay.lnf), lnfMean: this.range(lay.lnfMean), lnfRstd: this.range(lay.lnfRstd) };
  }

  /**
   * Where layer l's attention weights and scores go at a position: a's tail (after its fixed parts,
   * apart from the heads' range the same kernel writes: writable bindings of one buffer may not
   * overlap), at their places in traceLayout(pos + 1).
   */
  attention(l: number): ReturnType<StepTaps['attention']> {
    const tail = this.fixed.blocks[0]?.scores ?? 0; // where the scores and weights start in traceLayout (the same for every n)
    const block = (pos: number) => {
      if (this.at?.n !== pos + 1) this.at = { n: pos + 1, lay: traceLayout(this.decoder.model.config, pos + 1) };
      return this.at.lay.blocks[l]!;
    };
    return {
      probs: { buffer: this.a, offset: this.tailA * F, size: this.a.size - this.tailA * F },
      weightsAt: (pos) => block(pos).weights - tail,
      scoresAt: (pos) => block(pos).scores - tail,
    };
  }

  /** What the step kept in the decoder's buffers: the embedding rows as stored (f32, or the 16-bit copy's halves: ceil(C/2) words, widened after the read-back) and their sum, each block's output, the logits. */
  end(x: { x0: GPUBuffer; out: readonly GPUBuffer[]; logits: GPUBuffer }, w16: Weights16 | undefined): Op[] {
    const { n_embd: C, vocab_size: V } = this.decoder.model.config;
    const lay = this.fixed;
    this.w16 = w16;
    const copy = (src: Buf, at: number, floats: number): Copy => {
      const dst = this.range(at);
      return { src: { buffer: src.buffer, offset: src.offset ?? 0 }, dst: { buffer: dst.buffer, offset: dst.offset }, bytes: floats * F };
    };
    const words = w16 ? Math.ceil(C / 2) : C; // position() points the two row copies at their rows
    const token = copy({ buffer: this.b }, lay.tokenEmbedding, words);
    const position = copy({ buffer: this.b }, lay.positionEmbedding, words);
    this.rows.token = token;
    this.rows.position = position;
    return [
      { copy: token },
      { copy: position },
      { copy: copy({ buffer: x.x0 }, lay.embedding, C) },
      ...x.out.map((out, l) => ({ copy: copy({ buffer: out }, lay.blocks[l]!.out, C) })),
      { copy: copy({ buffer: x.logits }, lay.logits, V) },
    ];
  }

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
  }

  /** Floats of a read back for a position that sees n positions. */
  private usedA(n: number): number {
    const { n_layer: L, n_head: NH } = this.decoder.model.config;
    return this.tailA + 2 * L * NH * n;
  }

  /** Bytes read back for n positions: b, then the used part of a. */
  readBytes(n: number): number {
    return (this.sizeB + this.usedA(n)) * F;
  }

  /** The copies of the capture into the staging buffer (in the tapped step's encoder). */
  readBack(enc: GPUCommandEncoder, n: number): void {
    enc.copyBufferToBuffer(this.b, 0, this.staging, 0, this.sizeB * F);
    enc.copyBufferToBuffer(this.a, 0, this.staging, this.sizeB * F, this.usedA(n) * F);
  }

  /** The read-back laid out by traceLayout(n), the 16-bit rows' halves widened to the floats they stand for. */
  assemble(read: ArrayBuffer, n: number): ArrayBuffer {
    const lay = traceLayout(this.decoder.model.config, n);
    const out = new Float32Array(lay.total);
    const b = new Float32Array(read, 0, this.sizeB);
    const a = new Float32Array(read, this.sizeB * F, this.usedA(n));
    for (const p of this.parts) out.set((p.side === 'a' ? a : b).subarray(p.gpu, p.gpu + p.floats), p.at);
    out.set(a.subarray(this.tailA), lay.blocks[0]?.scores ?? lay.total);
    if (this.w16) {
      const C = this.decoder.model.config.n_embd;
      for (const at of [lay.tokenEmbedding, lay.positionEmbedding]) {
        const words = new Uint32Array(out.buffer, at * F, Math.ceil(C / 2)).slice();
        for (let i = 0; i < C; i++) out[at + i] = f16BitsToF32(i % 2 === 0 ? words[i >> 1]! & 0xffff : words[i >> 1]! >>> 16);
      }
    }
    return out.buffer;
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
    const bytes = c.readBytes(n);
    decoder.fill(tokens.slice(0, pos)); // the keys and values of the positions before this one
    decoder.stepTapped(tokens[pos]!, pos, c, (enc) => c.readBack(enc, n));
    await c.staging.mapAsync(1 /* GPUMapMode.READ */, 0, bytes); // SYNC POINT: the one read-back
    let laidOut: ArrayBuffer;
    try {
      laidOut = c.assemble(c.staging.getMappedRange(0, bytes), n); // laid out straight from the mapped range: no copy of it first
    } finally {
      c.staging.unmap();
    }
    return unpackTrace(laidOut, cfg, n);
  });
  c.last = run;
  return run;
}
