/**
 * Generation with a KV cache: one decode step (one submit) per token, batch 1.
 * The prompt is fed through the same decode step token by token, which also yields each row of
 * the prompt's T×T attention maps for the attention explorer.
 *
 * When the context reaches the block size, the cache is rebuilt from the most recent half of the
 * context (positions restart at 0), as nanoGPT crops idx to the last block_size tokens.
 */
import { createStorage, readFloats, Readback } from '../gpu/buffers';
import type { Buf } from '../gpu/dispatch';
import { EngineError } from '../errors';
import { attentionDecode } from '../kernels/attention';
import { embedDecode } from '../kernels/embed_decode';
import { layernormForward } from '../kernels/layernorm';
import { matmul } from '../kernels/matmul';
import { residualForward } from '../kernels/residual';
import type { Activations, GPT } from './gpt';
import { encodeOps, submitOps, type Op } from './ops';
import { sampleToken, SeededRandom, type SamplingOptions } from './sampling';

export class Decoder {
  readonly maxT: number;
  private ops: Op[] = [];
  private setPos: ((pos: number) => void)[] = [];
  private token: GPUBuffer;
  private logits: GPUBuffer; // (V)
  private probs: GPUBuffer[] = []; // per layer (NH, maxT)
  private bufs: GPUBuffer[] = [];
  private readback: Readback; // logits (V) or one layer's probs (NH, maxT), reused every token

  constructor(readonly model: GPT) {
    const d = model.device;
    const { n_layer: L, n_embd: C, n_head: NH, vocab_size: V, block_size } = model.config;
    this.maxT = block_size;
    this.readback = new Readback(d, 4 * Math.max(V, NH * block_size), 'decode.readback');
    const mk = (label: string, floats: number) => {
      const b = createStorage(d, label, floats * 4);
      this.bufs.push(b);
      return b;
    };
    const b = (buffer: GPUBuffer): Buf => ({ buffer });
    this.token = mk('decode.token', 1);
    this.logits = mk('decode.logits', V);
    const x0 = mk('decode.x0', C);
    const ln = mk('decode.ln', C);
    const mean = mk('decode.mean', 1);
    const rstd = mk('decode.rstd', 1);
    const qkv = mk('decode.qkv', 3 * C);
    const atty = mk('decode.atty', C);
    const proj = mk('decode.proj', C);
    const fc = mk('decode.fc', 4 * C);
    for (const r of model.wteChunks) {
      const emb = embedDecode(d, b(x0), b(this.token), model.wte(r), model.p('wpe.weight'), C, r);
      this.ops.push(emb.dispatch);
      this.setPos.push(emb.setPosition);
    }
    let x = x0;
    for (let l = 0; l < L; l++) {
      const h = `h.${l}.`;
      const kCache = mk(`decode.h${l}.k`, this.maxT * C);
      const vCache = mk(`decode.h${l}.v`, this.maxT * C);
      const probs = mk(`decode.h${l}.probs`, NH * this.maxT);
      this.probs.push(probs);
      const res2 = mk(`decode.h${l}.res2`, C);
      const res3 = mk(`decode.h${l}.res3`, C);
      this.ops.push(layernormForward(d, b(ln), b(mean), b(rstd), b(x), model.p(h + 'ln_1.weight'), model.p(h + 'ln_1.bias'), 1, C));
      this.ops.push(matmul(d, { out: b(qkv), a: b(ln), b: model.p(h + 'attn.c_attn.weight'), bias: model.p(h + 'attn.c_attn.bias'), M: 1, K: C, N: 3 * C }));
      const att = attentionDecode(d, b(atty), b(probs), b(qkv), b(kCache), b(vCache), C, NH, this.maxT);
      this.ops.push(...att.dispatches);
      this.setPos.push(att.setPosition);
      this.ops.push(matmul(d, { out: b(proj), a: b(atty), b: model.p(h + 'attn.c_proj.weight'), bias: model.p(h + 'attn.c_proj.bias'), M: 1, K: C, N: C }));
      this.ops.push(residualForward(d, b(res2), b(x), b(proj), C));
      this.ops.push(layernormForward(d, b(ln), b(mean), b(rstd), b(res2), model.p(h + 'ln_2.weight'), model.p(h + 'ln_2.bias'), 1, C));
      this.ops.push(matmul(d, { out: b(fc), a: b(ln), b: model.p(h + 'mlp.c_fc.weight'), bias: model.p(h + 'mlp.c_fc.bias'), M: 1, K: C, N: 4 * C, gelu: true }));
      this.ops.push(matmul(d, { out: b(proj), a: b(fc), b: model.p(h + 'mlp.c_proj.weight'), bias: model.p(h + 'mlp.c_proj.bias'), M: 1, K: 4 * C, N: C }));
      this.ops.push(residualForward(d, b(res3), b(res2), b(proj), C));
      x = res3;
    }
    this.ops.push(layernormForward(d, b(ln), b(mean), b(rstd), b(x), model.p('ln_f.weight'), model.p('ln_f.bias'), 1, C));
    for (const r of model.wteChunks) {
      this.ops.push(matmul(d, { out: { buffer: this.logits, offset: r.lo * 4 }, a: b(ln), b: model.wte(r), M: 1, K: C, N: r.hi - r.lo, layout: 'nt' }));
    }
  }

  /**
   * Feeds `token` at position `pos` (its k/v enter the cache). Returns the next-token logits when
   * asked, and the attention row of every layer and head: probs[l][h * (pos+1) + j] for j <= pos.
   * SYNC POINT when anything is read back.
   */
  async step(token: number, pos: number, read: { logits?: boolean; attention?: boolean } = { logits: true }): Promise<{ logits?: Float32Array; attention?: Float32Array[] }> {
    if (pos < 0 || pos >= this.maxT) throw new Error(`decode position ${pos} outside the block size ${this.maxT}`);
    const d = this.model.device;
    d.queue.writeBuffer(this.token, 0, new Uint32Array([token]));
    for (const set of this.setPos) set(pos);
    const enc = d.createCommandEncoder({ label: 'decode' });
    encodeOps(enc, this.ops, 'decode');
    d.queue.submit([enc.finish()]);
    const out: { logits?: Float32Array; attention?: Float32Array[] } = {};
    if (read.logits) out.logits = await this.readback.floats(this.logits);
    if (read.attention) {
      const NH = this.model.config.n_head;
      out.attention = [];
      for (const probs of this.probs) {
        const all = await this.readback.floats(probs, 0, NH * this.maxT);
        const row = new Float32Array(NH * (pos + 1));
        for (let h = 0; h < NH; h++) row.set(all.subarray(h * this.maxT, h * this.maxT + pos + 1), h * (pos + 1));
        out.attention.push(row);
      }
    }
    return out;
  }

  destroy(): void {
    for (const b of this.bufs) b.destroy();
    this.readback.destroy();
  }
}

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  seed?: number;
  /** Capture attention rows (per layer and head) for the prompt and every generated token. */
  captureAttention?: boolean;
  signal?: AbortSignal;
}

export interface GeneratedToken {
  token: number;
  /** Attention of the position that produced this token: [layer] -> (NH, pos+1) row-major. */
  attention?: Float32Array[];
}

export interface PromptAttention {
  /** [layer] -> rows of the prompt: row t is (NH, t+1). */
  rows: Float32Array[][];
}

/**
 * Streams sampled tokens. The prompt must be non-empty (callers start from a newline for an empty
 * prompt, as nanoGPT's sample.py does). Same seed, same tokens.
 */
export async function* generate(
  decoder: Decoder,
  prompt: number[],
  opts: GenerateOptions,
  onPromptAttention?: (a: PromptAttention) => void,
): AsyncGenerator<GeneratedToken> {
  if (prompt.length === 0) throw new EngineError('BAD_CONFIG', 'The prompt is empty: give at least one token.');
  const rng = new SeededRandom(opts.seed ?? 1337);
  const maxT = decoder.maxT;
  const capture = !!opts.captureAttention;
  let context = prompt.slice(-maxT);
  const promptRows: Float32Array[][] = capture ? Array.from({ length: decoder.model.config.n_layer }, () => []) : [];
  let last: { logits?: Float32Array; attention?: Float32Array[] } = {};
  const feed = async (tokens: number[], recordPrompt: boolean) => {
    for (let t = 0; t < tokens.length; t++) {
      checkAbort(opts.signal);
      const isLast = t === tokens.length - 1;
      last = await decoder.step(tokens[t]!, t, { logits: isLast, attention: capture && (recordPrompt || isLast) });
      if (recordPrompt && capture && last.attention) last.attention.forEach((row, l) => promptRows[l]!.push(row));
    }
  };
  await feed(context, true);
  if (capture) onPromptAttention?.({ rows: promptRows });
  for (let i = 0; i < opts.maxNewTokens; i++) {
    checkAbort(opts.signal);
    const token = sampleToken(last.logits!, opts, rng);
    yield { token, attention: last.attention };
    context.push(token);
    if (i === opts.maxNewTokens - 1) break;
    if (context.length > maxT) {
      // Cache full: rebuild it from the most recent half of the context.
      context = context.slice(-Math.max(1, Math.floor(maxT / 2)));
      await feed(context, false);
    } else {
      last = await decoder.step(token, context.length - 1, { logits: true, attention: capture });
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
