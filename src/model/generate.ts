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
import { embedDecode } from '../kernels/embed_decode';
import { residualForward } from '../kernels/residual';
import { softmaxTopK, unpackTopK } from '../kernels/topk';
import { Weights16, type DecoderWeights } from './f16';
import type { Activations, GPT } from './gpt';
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
}

export class Decoder {
  readonly maxT: number;
  readonly weights: DecoderWeights;
  /** The 16-bit copy, when `weights` asks for one (owned: destroyed with the decoder). */
  readonly weights16?: Weights16;
  private ops: Op[] = [];
  private setPos: ((pos: number) => void)[] = [];
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

  constructor(
    readonly model: GPT,
    opts: DecoderOptions = {},
  ) {
    const d = model.device;
    this.weights = opts.weights ?? 'f32';
    const w16 = (this.weights16 = this.weights === 'f32' ? undefined : new Weights16(model, this.weights, opts.hostWeights));
    const { n_layer: L, n_embd: C, n_head: NH, vocab_size: V, block_size } = model.config;
    this.maxT = block_size;
    const K = (this.K = Math.min(CANDIDATES, V));
    this.staging = createBuffer(d, { label: 'decode.staging', size: 4 * (2 * K + L * NH * block_size + V), usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const mk = (label: string, floats: number) => {
      const b = createStorage(d, label, floats * 4);
      this.bufs.push(b);
      return b;
    };
    const b = (buffer: GPUBuffer): Buf => ({ buffer });
    this.token = mk('decode.token', 1);
    this.logits = mk('decode.logits', V);
    this.captured = mk('decode.captured', 2 * K + L * NH * block_size);
    const x0 = mk('decode.x0', C);
    // One row through the blocks; ln_1 and ln_2 share their outputs (no backward needs them kept).
    const [ln, mean, rstd] = [mk('decode.ln', C), mk('decode.mean', 1), mk('decode.rstd', 1)];
    const shared = { ln1: ln, ln1Mean: mean, ln1Rstd: rstd, ln2: ln, ln2Mean: mean, ln2Rstd: rstd };
    const qkv = mk('decode.qkv', 3 * C);
    const atty = mk('decode.atty', C);
    const scratch = mk('decode.proj', C);
    const fchGelu = mk('decode.fc', 4 * C);
    for (const r of model.wteChunks) {
      const emb = w16 ? w16.embed(b(x0), b(this.token), r) : embedDecode(d, b(x0), b(this.token), model.wte(r), model.p('wpe.weight'), C, r);
      this.ops.push(emb.dispatch);
      this.setPos.push(emb.setPosition);
    }
    let input = x0;
    for (let l = 0; l < L; l++) {
      const kCache = mk(`decode.h${l}.k`, this.maxT * C);
      const vCache = mk(`decode.h${l}.v`, this.maxT * C);
      const x = { ...shared, input, qkv, atty, scratch, fchGelu, res2: mk(`decode.h${l}.res2`, C), res3: mk(`decode.h${l}.res3`, C) };
      this.ops.push(
        ...model.recordBlock(l, x, 1, {
          attention: (q, out) => {
            const att = attentionDecode(d, out, b(this.captured), q, b(kCache), b(vCache), C, NH, this.maxT, (pos) => 2 * K + l * NH * (pos + 1));
            this.setPos.push(att.setPosition);
            return att.dispatches;
          },
          residual: (out, inp, branch) => residualForward(d, out, inp, branch, C),
          linear: w16?.linear,
        }),
      );
      input = x.res3;
    }
    this.ops.push(...model.recordHead({ input, lnf: ln, lnfMean: mean, lnfRstd: rstd, logits: this.logits }, 1, w16?.head));
    this.topk = softmaxTopK(d, { buffer: this.captured, offset: 0, size: 8 * K }, b(this.logits), V, K);
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
    if (pos < 0 || pos >= this.maxT) throw new Error(`decode position ${pos} outside the block size ${this.maxT}`);
    const d = this.model.device;
    const { n_layer: L, n_head: NH, vocab_size: V } = this.model.config;
    const K = this.K;
    d.queue.writeBuffer(this.token, 0, new Uint32Array([token]));
    for (const set of this.setPos) set(pos);
    const enc = d.createCommandEncoder({ label: 'decode' });
    encodeOps(enc, read.capture ? [...this.ops, this.topk.dispatch] : this.ops, 'decode');
    // Staging layout: [top-k (2K)][layer 0 (NH, pos+1)]...[layer L-1][logits (V)]
    const n = pos + 1;
    const capFloats = read.capture ? 2 * K + L * NH * n : 0;
    if (read.capture) enc.copyBufferToBuffer(this.captured, 0, this.staging, 0, 4 * capFloats);
    if (read.logits) enc.copyBufferToBuffer(this.logits, 0, this.staging, 4 * capFloats, 4 * V);
    d.queue.submit([enc.finish()]);
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
    destroyOps([...this.ops, this.topk.dispatch]);
    this.staging.destroy();
    this.weights16?.destroy();
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
