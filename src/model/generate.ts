/**
 * Generation with a KV cache: one decode step (one submit) per token, batch 1.
 * The prompt is fed through the same decode step token by token, which also yields each row of
 * the prompt's T×T attention maps for the attention explorer.
 *
 * With capture on, each step also ranks the next-token candidates on the GPU (softmax then top-k,
 * src/kernels/topk.wgsl) and ONE read-back per token carries the top-k, every layer's attention row
 * and (when sampling needs them) the logits: one sync point a token, not one per layer.
 *
 * When the context reaches the block size, the cache is rebuilt from the most recent half of the
 * context (positions restart at 0), as nanoGPT crops idx to the last block_size tokens.
 */
import { createBuffer, createStorage, readFloats, Readback, USAGE } from '../gpu/buffers';
import type { Buf } from '../gpu/dispatch';
import { EngineError } from '../errors';
import { attentionDecode } from '../kernels/attention';
import { kernelChoiceVersion } from '../kernels/choice';
import { embedDecode } from '../kernels/embed_decode';
import { residualForward } from '../kernels/residual';
import { softmaxTopK, unpackTopK } from '../kernels/topk';
import { Weights16, type DecoderWeights } from './f16';
import { type Activations, type Binding, type BlockBuffers, type GPT, type HeadBuffers } from './gpt';
import { prefillCache, prefillFits, type KVCache } from './prefill';
import { destroyOps, encodeOps, submitOps, type Op } from './ops';
import { SeededRandom } from './random';
import { sampleToken, type SamplingOptions } from './sampling';

/** Next-token candidates kept per step (the explorer shows this many). */
export const CANDIDATES = 10;

/** The K most likely next tokens at one position, most likely first: softmax(logits / temperature). */
export interface Candidates {
  ids: Uint32Array;
  probs: Float32Array;
}

/** What one decode step reads back (in one mapAsync). */
export interface StepRead {
  /** The next-token logits (V), for sampling. */
  logits?: boolean;
  /** Every layer's attention row and the next-token candidates. */
  capture?: boolean;
}

export interface StepResult {
  logits?: Float32Array;
  /** [layer] -> (NH, pos+1): views into one ArrayBuffer (`captured`), transfer that once. */
  attention?: Float32Array[];
  candidates?: Candidates;
  /** The buffer behind `attention` and `candidates` (and nothing else): transferable. */
  captured?: ArrayBuffer;
}

export interface DecoderOptions {
  /**
   * The weights the decoder reads: the model's f32 parameters (default), or a 16-bit copy made at
   * construction (src/model/f16.ts): half the bytes per token, logits within f16 rounding.
   */
  weights?: DecoderWeights;
  /**
   * With 16-bit weights: pack them from these (laid out by paramLayout) on the CPU instead of from
   * the model's f32 parameters; required for a model built with `params: 'vectors'`.
   */
  hostWeights?: Float32Array;
  /**
   * With 16-bit weights: read this copy, made for another decoder of the same model, instead of
   * making one (the trace's own decoder while a generation holds the first: its own cache, the
   * same weights). Not owned: the decoder that made it frees it.
   */
  shared16?: Weights16;
}

/** Where one block's stages write in a tapped step, in place of the decoder's shared row buffers. */
export type TapRows = Pick<Required<BlockBuffers>, 'ln1' | 'ln1Mean' | 'ln1Rstd' | 'qkv' | 'atty' | 'res2' | 'ln2' | 'ln2Mean' | 'ln2Rstd' | 'fch' | 'fchGelu'> & {
  /** The attention branch (attn c_proj) and the MLP branch (mlp c_proj). */
  attnOut: Binding;
  mlpOut: Binding;
};

/**
 * Capture of one decode step (Decoder.stepTapped, src/model/trace.ts). The tapped step writes each
 * stage's output straight where the taps say (ranges of their capture: `layer`, `head`), so keeping
 * the numbers costs no copy in between; c_fc also keeps GELU's input there, the attention kernel
 * its scores before the softmax (`attention`: where each layer's weights and scores go at a
 * position). What the step keeps in the decoder's own buffers (the embedding, each block's output,
 * the logits) the taps copy at its end (`end`).
 * The decoder records the step with the taps once and keeps it (until the kernel choice moves on,
 * or other taps come); `position` points the taps' ops at each step's token and position.
 */
export interface StepTaps {
  layer(l: number): TapRows;
  head(): Pick<HeadBuffers, 'lnf' | 'lnfMean' | 'lnfRstd'>;
  attention(l: number): { probs: Buf; weightsAt(pos: number): number; scoresAt(pos: number): number };
  /** `w16`: the decoder's 16-bit copy, when it reads one (the embedding rows are there, not in the model). */
  end(x: { x0: GPUBuffer; out: readonly GPUBuffer[]; logits: GPUBuffer }, w16: Weights16 | undefined): Op[];
  position(token: number, pos: number): void;
  /** Buffers the taps' ops write (the capture), freed with the decoder or when other taps replace these. */
  readonly owned: readonly GPUBuffer[];
}

/** A recorded decode step: its ops and the position setter of each dispatch that reads the position. */
interface StepProgram {
  ops: Op[];
  setPos: ((pos: number) => void)[];
}

/** Below this many missing rows the cache is filled by decode steps, from it on by a batched prefill (Decoder.fill). */
const STEP_FILL_MAX = 4;

export class Decoder {
  readonly maxT: number;
  readonly weights: DecoderWeights;
  /** The 16-bit copy, when `weights` asks for one (destroyed with the decoder unless shared16 lent it). */
  readonly weights16?: Weights16;
  private owns16: boolean;
  /** The plain step: its ops and every dispatch's position setter. */
  private plain: StepProgram;
  /** The device's kernelChoiceVersion `plain` was recorded with. */
  private plainKernels: number;
  /** The step recorded with the trace's taps (stepTapped), kept from one trace to the next. */
  private tapped?: { taps: StepTaps; program: StepProgram; kernels: number };
  private token: GPUBuffer;
  private logits: GPUBuffer; // (V)
  /**
   * What capture reads back, packed so that one copy takes it: [top-k (2K)][layer 0 (NH, pos+1)]
   * ...[layer L-1 (NH, pos+1)]. The top-k kernel writes the front, each layer's attention the
   * block after the previous layer's (attentionDecode's probsBase).
   */
  private captured: GPUBuffer;
  private topk: ReturnType<typeof softmaxTopK>;
  private K: number;
  private bufs: GPUBuffer[] = [];
  /** [captured (2K + L·NH·(pos+1))][logits (V)], reused every token. */
  private staging: GPUBuffer;
  /** One row's activations, shared by every step (ln_1, ln_2 and ln_f share their outputs). */
  private row: { x0: GPUBuffer; ln: GPUBuffer; mean: GPUBuffer; rstd: GPUBuffer; qkv: GPUBuffer; atty: GPUBuffer; scratch: GPUBuffer; fchGelu: GPUBuffer; res2: GPUBuffer[]; res3: GPUBuffer[] };
  /** Per layer: the keys and values of positions 0..maxT-1. */
  readonly caches: readonly KVCache[];
  /**
   * The tokens whose keys and values the cache holds, row by row from position 0: a step at `pos`
   * keeps the rows after it only when it writes the token that row already held (then every later
   * row still follows from the same prefix).
   */
  private held: number[] = [];
  /** The weights the cache rows were computed from (GPT.weightsVersion): rows of older weights are stale. */
  private heldVersion: number;

  constructor(
    readonly model: GPT,
    opts: DecoderOptions = {},
  ) {
    const d = model.device;
    this.weights = opts.weights ?? 'f32';
    if (opts.shared16 && (opts.shared16.model !== model || this.weights === 'f32')) throw new Error('a shared 16-bit copy must be of this model, for a 16-bit decoder');
    this.weights16 = this.weights === 'f32' ? undefined : (opts.shared16 ?? new Weights16(model, this.weights, opts.hostWeights));
    this.owns16 = !opts.shared16;
    this.heldVersion = model.weightsVersion;
    const { n_layer: L, n_embd: C, n_head: NH, vocab_size: V, block_size } = model.config;
    this.maxT = block_size;
    const K = (this.K = Math.min(CANDIDATES, V));
    this.staging = createBuffer(d, { label: 'decode.staging', size: 4 * (2 * K + L * NH * block_size + V), usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const mk = (label: string, floats: number) => {
      const b = createStorage(d, label, floats * 4);
      this.bufs.push(b);
      return b;
    };
    this.token = mk('decode.token', 1);
    this.logits = mk('decode.logits', V);
    this.captured = mk('decode.captured', 2 * K + L * NH * block_size);
    this.row = {
      x0: mk('decode.x0', C),
      ln: mk('decode.ln', C),
      mean: mk('decode.mean', 1),
      rstd: mk('decode.rstd', 1),
      qkv: mk('decode.qkv', 3 * C),
      atty: mk('decode.atty', C),
      scratch: mk('decode.proj', C),
      fchGelu: mk('decode.fc', 4 * C),
      res2: Array.from({ length: L }, (_, l) => mk(`decode.h${l}.res2`, C)),
      res3: Array.from({ length: L }, (_, l) => mk(`decode.h${l}.res3`, C)),
    };
    this.caches = Array.from({ length: L }, (_, l) => ({ k: mk(`decode.h${l}.k`, this.maxT * C), v: mk(`decode.h${l}.v`, this.maxT * C) }));
    this.plain = this.record();
    this.plainKernels = kernelChoiceVersion(d);
    this.topk = softmaxTopK(d, { buffer: this.captured, offset: 0, size: 8 * K }, { buffer: this.logits }, V, K);
  }

  /**
   * Records one decode step through the block sequence (GPT.recordBlock) on this decoder's buffers
   * and caches; with `taps`, the stages write where the taps say (StepTaps) and the taps' ops go in
   * after each attention and at the end.
   */
  private record(taps?: StepTaps): StepProgram {
    const model = this.model;
    const d = model.device;
    const w16 = this.weights16;
    const { n_layer: L, n_embd: C, n_head: NH } = model.config;
    const K = this.K;
    const b = (buffer: GPUBuffer): Buf => ({ buffer });
    const { x0, ln, mean, rstd, qkv, atty, scratch, fchGelu } = this.row;
    const ops: Op[] = [];
    const setPos: ((pos: number) => void)[] = [];
    for (const r of model.wteChunks) {
      const emb = w16 ? w16.embed(b(x0), b(this.token), r) : embedDecode(d, b(x0), b(this.token), model.wte(r), model.p('wpe.weight'), C, r);
      ops.push(emb.dispatch);
      setPos.push(emb.setPosition);
    }
    let input = x0;
    for (let l = 0; l < L; l++) {
      const cache = this.caches[l]!;
      const res3 = this.row.res3[l]!;
      const rows = taps?.layer(l);
      const x: BlockBuffers = rows
        ? { ...rows, input, scratch: rows.attnOut, mlpScratch: rows.mlpOut, res3 }
        : { ln1: ln, ln1Mean: mean, ln1Rstd: rstd, ln2: ln, ln2Mean: mean, ln2Rstd: rstd, input, qkv, atty, scratch, fchGelu, res2: this.row.res2[l]!, res3 };
      ops.push(
        ...model.recordBlock(l, x, 1, {
          attention: (q, out) => {
            const t = taps?.attention(l);
            const att = t
              ? attentionDecode(d, out, t.probs, q, b(cache.k), b(cache.v), C, NH, this.maxT, t.weightsAt, t.scoresAt)
              : attentionDecode(d, out, b(this.captured), q, b(cache.k), b(cache.v), C, NH, this.maxT, (pos) => 2 * K + l * NH * (pos + 1));
            setPos.push(att.setPosition);
            return att.dispatches;
          },
          residual: (out, inp, branch) => residualForward(d, out, inp, branch, C),
          linear: w16?.linear,
        }),
      );
      input = res3;
    }
    const head = { input, lnf: ln, lnfMean: mean, lnfRstd: rstd, ...taps?.head(), logits: this.logits };
    ops.push(...model.recordHead(head, 1, w16?.head));
    if (taps) ops.push(...taps.end({ x0, out: this.row.res3, logits: this.logits }, w16));
    return { ops, setPos };
  }

  /** How many of `tokens`, from position 0, the cache holds (their keys and values, from these weights). */
  holds(tokens: readonly number[]): number {
    if (this.heldVersion !== this.model.weightsVersion) return 0;
    let n = 0;
    while (n < tokens.length && n < this.held.length && this.held[n] === tokens[n]) n++;
    return n;
  }

  /** Notes that row `pos` now holds `token`'s keys and values. */
  private wrote(token: number, pos: number): void {
    if (this.heldVersion !== this.model.weightsVersion) {
      this.held = [];
      this.heldVersion = this.model.weightsVersion;
    }
    if (pos > this.held.length || this.held[pos] === token) return; // after a gap the prefix stays as it was; the same token changes nothing
    this.held.length = pos; // the rows after pos followed from the old token
    this.held.push(token);
  }

  /**
   * Makes the cache hold `tokens` at positions 0..n-1, keeping the rows it already holds: a few
   * missing rows by decode steps, more by one batched prefill of all n rows on the decoder's own
   * weights, f32 or its 16-bit copy (src/model/prefill.ts: n rows cost about one weight read with
   * f32 matmuls, ceil(n / MATVEC16_ROWS) with 16-bit ones; n steps cost n). Submits only; no read-back.
   */
  fill(tokens: readonly number[]): void {
    const n = tokens.length;
    if (n > this.maxT) throw new Error(`cannot fill ${n} positions of a ${this.maxT}-position cache`);
    const have = this.holds(tokens);
    if (have === n) return;
    if (n - have <= STEP_FILL_MAX || !prefillFits(this.model.config, this.model.device.limits, n)) {
      for (let pos = have; pos < n; pos++) this.submitStep(tokens[pos]!, pos, this.program(), () => undefined);
      return;
    }
    prefillCache(this.model, this.caches, tokens, this.weights16);
    this.held = [...tokens];
    this.heldVersion = this.model.weightsVersion;
  }

  /**
   * One decode step at `pos` with `taps` (their capture ops after each stage), then `after` (the
   * caller's copies to its staging buffer) in the same encoder: one submit. The keys and values of
   * positions < pos must be in the cache (fill). The step is recorded with these taps on first use
   * and kept, so a trace after the first costs what a plain step does plus the capture's copies.
   */
  stepTapped(token: number, pos: number, taps: StepTaps, after: (enc: GPUCommandEncoder) => void): void {
    const v = kernelChoiceVersion(this.model.device);
    if (this.tapped?.taps !== taps || this.tapped.kernels !== v) {
      const program = this.record(taps);
      this.dropTapped(this.tapped?.taps !== taps);
      this.tapped = { taps, program, kernels: v };
    }
    taps.position(token, pos);
    this.submitStep(token, pos, this.tapped.program, after);
  }

  /** Frees the tapped step's ops and buffers (the queue keeps what submitted work needs); with `taps`, the taps' buffers too. */
  private dropTapped(taps: boolean): void {
    const t = this.tapped;
    if (!t) return;
    destroyOps(t.program.ops);
    if (taps) for (const buf of t.taps.owned) buf.destroy();
    this.tapped = undefined;
  }

  /**
   * The plain step, re-recorded first when the device's kernel choice moved on since it was
   * recorded (the tuner, run in the background on a first visit, finished while this decoder ran on
   * the defaults): the next step runs the tuned kernels. Their pipelines were built and run by the
   * tuner, so the switch costs new bind groups, not a compile. The cache stays valid: the kernels
   * compute the same function.
   */
  private program(): StepProgram {
    const v = kernelChoiceVersion(this.model.device);
    if (v !== this.plainKernels) {
      const next = this.record();
      destroyOps(this.plain.ops); // the queue keeps what submitted work needs
      this.plain = next;
      this.plainKernels = v;
    }
    return this.plain;
  }

  /** Writes the token, sets every dispatch's position, encodes the step then `after`, submits. */
  private submitStep(token: number, pos: number, step: StepProgram, after: (enc: GPUCommandEncoder) => void, more: Op[] = []): void {
    if (!Number.isInteger(pos) || pos < 0 || pos >= this.maxT) throw new Error(`decode position ${pos} outside the block size ${this.maxT}`);
    const d = this.model.device;
    d.queue.writeBuffer(this.token, 0, new Uint32Array([token]));
    for (const set of step.setPos) set(pos);
    const enc = d.createCommandEncoder({ label: 'decode' });
    encodeOps(enc, [...step.ops, ...more], 'decode');
    after(enc);
    d.queue.submit([enc.finish()]);
    this.wrote(token, pos);
  }

  /** Temperature of the candidates' softmax (as sampling applies it; 0 = greedy). */
  setTemperature(t: number): void {
    this.topk.setTemperature(t);
  }

  /**
   * Feeds `token` at position `pos` (its k/v enter the cache). Reads back what `read` asks for in
   * ONE copy + mapAsync: the next-token logits, and with capture the candidates at this position
   * and the attention row of every layer and head (attention[l][h * (pos+1) + j], j <= pos).
   * SYNC POINT when anything is read back.
   */
  async step(token: number, pos: number, read: StepRead = { logits: true }): Promise<StepResult> {
    const { n_layer: L, n_head: NH, vocab_size: V } = this.model.config;
    const K = this.K;
    // Staging layout: [top-k (2K)][layer 0 (NH, pos+1)]...[layer L-1][logits (V)]
    const n = pos + 1;
    const capFloats = read.capture ? 2 * K + L * NH * n : 0;
    const after = (enc: GPUCommandEncoder) => {
      if (read.capture) enc.copyBufferToBuffer(this.captured, 0, this.staging, 0, 4 * capFloats);
      if (read.logits) enc.copyBufferToBuffer(this.logits, 0, this.staging, 4 * capFloats, 4 * V);
    };
    this.submitStep(token, pos, this.program(), after, read.capture ? [this.topk.dispatch] : []);
    const out: StepResult = {};
    const bytes = 4 * (capFloats + (read.logits ? V : 0));
    if (bytes === 0) return out;
    await this.staging.mapAsync(1 /* GPUMapMode.READ */, 0, bytes); // SYNC POINT: one per token
    const range = this.staging.getMappedRange(0, bytes);
    if (read.capture) {
      const captured = range.slice(0, 4 * capFloats);
      const all = new Float32Array(captured);
      out.captured = captured;
      out.candidates = unpackTopK(all.subarray(0, 2 * K), K);
      out.attention = Array.from({ length: L }, (_, l) => all.subarray(2 * K + l * NH * n, 2 * K + (l + 1) * NH * n));
    }
    if (read.logits) out.logits = new Float32Array(range.slice(4 * capFloats, bytes));
    this.staging.unmap();
    return out;
  }

  destroy(): void {
    for (const b of this.bufs) b.destroy();
    destroyOps([...this.plain.ops, this.topk.dispatch]);
    this.dropTapped(true);
    this.staging.destroy();
    if (this.owns16) this.weights16?.destroy();
  }
}

/**
 * What generate() needs of a decoder: the GPU Decoder above, or the CPU one the engine falls back to
 * without WebGPU (src/reference/decode.ts, RefDecoder).
 */
export interface TokenDecoder {
  readonly maxT: number;
  readonly model: { readonly config: { n_layer: number } };
  /** `attention` asks a decoder without `capture` (the CPU one) for the rows alone. */
  step(token: number, pos: number, read?: StepRead & { attention?: boolean }): Promise<StepResult>;
  /** Temperature of the candidates' softmax; a decoder without candidates has none. */
  setTemperature?(t: number): void;
  destroy(): void;
}

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  seed?: number;
  /** Capture attention rows (per layer and head) and next-token candidates at every position. */
  captureAttention?: boolean;
  signal?: AbortSignal;
}

/**
 * What a decode step captured at its position (with capture on): the raw material the worker turns
 * into the API's PositionTrace (src/workers/api.ts), the one trace type.
 */
export type Capture = Pick<StepResult, 'attention' | 'candidates' | 'captured'>;

/** A sampled token, with what was captured at the position that produced it (the previous one). */
export interface GeneratedToken extends Capture {
  token: number;
}

/**
 * Streams sampled tokens. The prompt must be non-empty (callers start from a newline for an empty
 * prompt, as nanoGPT's sample.py does). Same seed, same tokens, with capture on or off: capture only
 * adds read-back (in the same mapAsync as the logits), never a draw from the rng.
 */
export async function* generate(
  decoder: TokenDecoder,
  prompt: number[],
  opts: GenerateOptions,
  /** With capture: positions 0 .. T-2 of the prompt; the last prompt position arrives with the first token. */
  onPromptAttention?: (a: { positions: Capture[] }) => void,
): AsyncGenerator<GeneratedToken> {
  if (prompt.length === 0) throw new EngineError('BAD_CONFIG', 'The prompt is empty: give at least one token.');
  const rng = new SeededRandom(opts.seed ?? 1337);
  const maxT = decoder.maxT;
  const capture = !!opts.captureAttention;
  if (capture) decoder.setTemperature?.(opts.temperature ?? 1);
  let context = prompt.slice(-maxT);
  const positions: Capture[] = [];
  let last: StepResult = {};
  const kept = (r: StepResult): Capture => ({ attention: r.attention, candidates: r.candidates, captured: r.captured });
  const feed = async (tokens: number[], recordPrompt: boolean) => {
    for (let t = 0; t < tokens.length; t++) {
      checkAbort(opts.signal);
      const isLast = t === tokens.length - 1;
      const want = capture && (recordPrompt || isLast);
      last = await decoder.step(tokens[t]!, t, { logits: isLast, capture: want, attention: want });
      if (recordPrompt && capture && !isLast) positions.push(kept(last));
    }
  };
  await feed(context, true);
  if (capture) onPromptAttention?.({ positions });
  for (let i = 0; i < opts.maxNewTokens; i++) {
    checkAbort(opts.signal);
    const token = sampleToken(last.logits!, opts, rng);
    yield { token, ...kept(last) };
    context.push(token);
    if (i === opts.maxNewTokens - 1) break;
    if (context.length > maxT) {
      // Cache full: rebuild it from the most recent half of the context.
      context = context.slice(-Math.max(1, Math.floor(maxT / 2)));
      await feed(context, false);
    } else {
      last = await decoder.step(token, context.length - 1, { logits: true, capture, attention: capture });
    }
  }
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new EngineError('ABORTED', 'Generation was cancelled.');
}

/**
 * Full recomputation (no cache): logits (T, V) of a B=1 forward over `tokens`. The path the KV
 * cache is checked against and benchmarked against. Activations are kept per length.
 */
export class Recompute {
  private cache = new Map<number, { acts: Activations; ops: Op[] }>();
  private readback: Readback; // the last row's logits (V), reused every call
  constructor(readonly model: GPT) {
    this.readback = new Readback(model.device, 4 * model.config.vocab_size, 'recompute.readback');
  }

  async logits(tokens: number[], lastRowOnly = false): Promise<Float32Array> {
    const T = tokens.length;
    let entry = this.cache.get(T);
    if (!entry) {
      const acts = this.model.allocActivations(1, T, false);
      entry = { acts, ops: this.model.recordForward(acts, 'none') };
      this.cache.set(T, entry);
    }
    const d = this.model.device;
    d.queue.writeBuffer(entry.acts.tokens, 0, new Uint32Array(tokens));
    submitOps(d, entry.ops, 'recompute');
    const V = this.model.config.vocab_size;
    return lastRowOnly ? this.readback.floats(entry.acts.logits, (T - 1) * V, V) : readFloats(d, entry.acts.logits, 0, T * V);
  }

  destroy(): void {
    for (const e of this.cache.values()) this.model.destroyActivations(e.acts);
    this.cache.clear();
    this.readback.destroy();
  }
}
