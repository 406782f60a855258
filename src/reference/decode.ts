/**
 * One token at a time on the CPU with a KV cache: the reference GPT's forward (src/reference/gpt.ts,
 * refForward) for a single new position, as src/model/generate.ts's Decoder does it on the GPU.
 * It is the engine's fallback when the browser has no WebGPU (small models only: float64 loops).
 *
 * Every layer is the per-kernel reference the GPU kernels are tested against (layernorm, matmul
 * with bias and fused GELU, embedDecode, residual); only attention is new here, and only in its
 * shape: one query row against the cached keys and values (the row t of attentionForward, as the
 * attention_decode kernel computes it), checked against refForward in decode.test.ts.
 */
import type { GPTConfig } from '../model/config';
import { paramLayout } from '../model/params';
import { embedDecode, residualForward } from './elementwise';
import type { RefParams } from './gpt';
import { layernormForward } from './layernorm';
import { matmulReference } from './matmul';
import { softmaxTopK } from './topk';

/** Next-token candidates per position, as the GPU decoder keeps (CANDIDATES in src/model/generate.ts). */
const CANDIDATES = 10;

/** Float32 parameters in the engine's one-buffer layout (a checkpoint's `params`) as named float64 tensors. */
export function refParamsFromFlat(c: GPTConfig, flat: Float32Array): RefParams {
  const p: RefParams = {};
  for (const t of paramLayout(c).tensors) p[t.name] = Float64Array.from(flat.subarray(t.offset, t.offset + t.size));
  return p;
}

/**
 * Causal attention of one query row at position `pos` over keys/values 0..pos.
 * q (C); kCache, vCache (maxT, C) with rows 0..pos filled; out (C); probs (NH, pos+1) row-major.
 * Same math as attentionForward's row t = pos (scores scaled by 1/√HS, max-subtracted softmax).
 */
export function attentionDecodeStep(out: Float64Array, probs: Float64Array, q: ArrayLike<number>, kCache: Float64Array, vCache: Float64Array, pos: number, C: number, NH: number): void {
  const HS = C / NH;
  const scale = 1 / Math.sqrt(HS);
  const T = pos + 1;
  out.fill(0);
  for (let h = 0; h < NH; h++) {
    const row = h * T;
    let maxval = -Infinity;
    for (let t2 = 0; t2 < T; t2++) {
      const k = t2 * C + h * HS;
      let s = 0;
      for (let i = 0; i < HS; i++) s += q[h * HS + i]! * kCache[k + i]!;
      probs[row + t2] = s * scale;
      if (s * scale > maxval) maxval = s * scale;
    }
    let sum = 0;
    for (let t2 = 0; t2 < T; t2++) {
      const e = Math.exp(probs[row + t2]! - maxval);
      probs[row + t2] = e;
      sum += e;
    }
    for (let t2 = 0; t2 < T; t2++) {
      const w = probs[row + t2]! / sum;
      probs[row + t2] = w;
      const v = t2 * C + h * HS;
      for (let i = 0; i < HS; i++) out[h * HS + i] = out[h * HS + i]! + w * vCache[v + i]!;
    }
  }
}

/**
 * A KV-cached decoder on the CPU with the GPU Decoder's interface (src/model/generate.ts's
 * TokenDecoder), so generate() drives either one.
 */
export class RefDecoder {
  readonly maxT: number;
  readonly model: { readonly config: GPTConfig };
  private k: Float64Array[] = []; // per layer (maxT, C)
  private v: Float64Array[] = [];
  private temperature = 1;

  constructor(
    config: GPTConfig,
    private readonly p: RefParams,
  ) {
    this.model = { config };
    this.maxT = config.block_size;
    for (let l = 0; l < config.n_layer; l++) {
      this.k.push(new Float64Array(this.maxT * config.n_embd));
      this.v.push(new Float64Array(this.maxT * config.n_embd));
    }
  }

  private w(name: string): Float64Array {
    const t = this.p[name];
    if (!t) throw new Error(`RefDecoder: no parameter ${name}`);
    return t;
  }

  /** Temperature of the candidates' softmax (as the GPU decoder's top-k kernel). */
  setTemperature(t: number): void {
    this.temperature = t;
  }

  /**
   * Feeds `token` at `pos` (its k/v enter the cache). Returns the logits (V) when asked, and with
   * `capture` (or `attention`) every layer's attention row (NH, pos+1) and the next-token candidates.
   */
  async step(
    token: number,
    pos: number,
    read: { logits?: boolean; capture?: boolean; attention?: boolean } = { logits: true },
  ): Promise<{ logits?: Float32Array; attention?: Float32Array[]; candidates?: { ids: Uint32Array; probs: Float32Array } }> {
    const capture = !!(read.capture || read.attention);
    const { n_layer: L, n_embd: C, n_head: NH, vocab_size: V } = this.model.config;
    if (pos < 0 || pos >= this.maxT) throw new Error(`decode position ${pos} outside the block size ${this.maxT}`);
    let x = embedDecode(this.w('wte.weight'), this.w('wpe.weight'), token, pos, C); // (C)
    const attention: Float32Array[] = [];
    const atty = new Float64Array(C);
    const probs = new Float64Array(NH * (pos + 1));
    for (let l = 0; l < L; l++) {
      const w = (n: string) => this.w(`h.${l}.${n}`);
      const ln1 = layernormForward(x, w('ln_1.weight'), w('ln_1.bias'), 1, C).out;
      const qkv = matmulReference(ln1, w('attn.c_attn.weight'), w('attn.c_attn.bias'), 1, 3 * C, C).out; // [q | k | v]
      this.k[l]!.set(qkv.subarray(C, 2 * C), pos * C);
      this.v[l]!.set(qkv.subarray(2 * C, 3 * C), pos * C);
      attentionDecodeStep(atty, probs, qkv.subarray(0, C), this.k[l]!, this.v[l]!, pos, C, NH);
      if (capture) attention.push(Float32Array.from(probs));
      const res2 = residualForward(x, matmulReference(atty, w('attn.c_proj.weight'), w('attn.c_proj.bias'), 1, C, C).out);
      const ln2 = layernormForward(res2, w('ln_2.weight'), w('ln_2.bias'), 1, C).out;
      const fc = matmulReference(ln2, w('mlp.c_fc.weight'), w('mlp.c_fc.bias'), 1, 4 * C, C, 'nn', { gelu: true }).out;
      x = residualForward(res2, matmulReference(fc, w('mlp.c_proj.weight'), w('mlp.c_proj.bias'), 1, C, 4 * C).out);
    }
    const out: { logits?: Float32Array; attention?: Float32Array[]; candidates?: { ids: Uint32Array; probs: Float32Array } } = {};
    if (read.logits || capture) {
      const lnf = layernormForward(x, this.w('ln_f.weight'), this.w('ln_f.bias'), 1, C).out;
      const logits = matmulReference(lnf, this.w('wte.weight'), null, 1, V, C, 'nt').out; // tied head
      if (read.logits) out.logits = Float32Array.from(logits);
      if (capture) {
        const top = softmaxTopK(logits, Math.min(CANDIDATES, V), this.temperature);
        out.candidates = { ids: Uint32Array.from(top.ids), probs: Float32Array.from(top.probs) };
      }
    }
    if (capture) out.attention = attention;
    return out;
  }

  destroy(): void {
    this.k = [];
    this.v = [];
  }
}
