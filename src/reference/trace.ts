/**
 * The trace of one position on the CPU (float64), in the layout of src/model/token-trace.ts: what
 * the "How it works" view shows on the CPU path, and the reference the GPU trace
 * (src/model/trace.ts) is tested against.
 *
 * It feeds tokens 0..pos one at a time as the CPU decoder does (src/reference/decode.ts: the same
 * per-kernel references, keys and values of earlier positions cached), and keeps every
 * intermediate of the last position. Its logits are checked against refForward in trace.test.ts.
 */
import type { GPTConfig } from '../model/config';
import { traceLayout, unpackTrace, type TraceNumbers } from '../model/token-trace';
import { attentionDecodeStep } from './decode';
import { embedDecode, residualForward } from './elementwise';
import type { RefParams } from './gpt';
import { layernormForward } from './layernorm';
import { matmulReference } from './matmul';

/** Traces the last of `tokens` (pos = tokens.length - 1); float64 math, stored as float32. */
export function refTrace(c: GPTConfig, p: RefParams, tokens: readonly number[]): TraceNumbers {
  const { n_layer: L, n_embd: C, n_head: NH, vocab_size: V } = c;
  const T = tokens.length;
  if (T < 1 || T > c.block_size) throw new Error(`refTrace: need 1..${c.block_size} tokens, got ${T}`);
  const pos = T - 1;
  const HS = C / NH;
  const w = (name: string) => {
    const t = p[name];
    if (!t) throw new Error(`refTrace: no parameter ${name}`);
    return t;
  };
  const lay = traceLayout(c, T);
  const all = new Float32Array(lay.total);
  const put = (at: number, x: ArrayLike<number>) => all.set(x, at);
  const kCache = Array.from({ length: L }, () => new Float64Array(T * C));
  const vCache = Array.from({ length: L }, () => new Float64Array(T * C));
  const atty = new Float64Array(C);
  const probs = new Float64Array(NH * T);

  let x: Float64Array = new Float64Array(C);
  for (let t = 0; t <= pos; t++) {
    const keep = t === pos; // only the traced position's intermediates are stored
    x = embedDecode(w('wte.weight'), w('wpe.weight'), tokens[t]!, t, C);
    if (keep) {
      put(lay.tokenEmbedding, w('wte.weight').subarray(tokens[t]! * C, (tokens[t]! + 1) * C));
      put(lay.positionEmbedding, w('wpe.weight').subarray(t * C, (t + 1) * C));
      put(lay.embedding, x);
    }
    for (let l = 0; l < L; l++) {
      const at = lay.blocks[l]!;
      const h = (n: string) => w(`h.${l}.${n}`);
      const ln1 = layernormForward(x, h('ln_1.weight'), h('ln_1.bias'), 1, C);
      const qkv = matmulReference(ln1.out, h('attn.c_attn.weight'), h('attn.c_attn.bias'), 1, 3 * C, C).out; // [q | k | v]
      kCache[l]!.set(qkv.subarray(C, 2 * C), t * C);
      vCache[l]!.set(qkv.subarray(2 * C, 3 * C), t * C);
      attentionDecodeStep(atty, probs, qkv.subarray(0, C), kCache[l]!, vCache[l]!, t, C, NH);
      const attnOut = matmulReference(atty, h('attn.c_proj.weight'), h('attn.c_proj.bias'), 1, C, C).out;
      const res2 = residualForward(x, attnOut);
      const ln2 = layernormForward(res2, h('ln_2.weight'), h('ln_2.bias'), 1, C);
      const fc = matmulReference(ln2.out, h('mlp.c_fc.weight'), h('mlp.c_fc.bias'), 1, 4 * C, C, 'nn', { gelu: true });
      const mlpOut = matmulReference(fc.out, h('mlp.c_proj.weight'), h('mlp.c_proj.bias'), 1, C, 4 * C).out;
      const out = residualForward(res2, mlpOut);
      if (keep) {
        put(at.ln1, ln1.out);
        all[at.ln1Mean] = ln1.mean[0]!;
        all[at.ln1Rstd] = ln1.rstd[0]!;
        put(at.qkv, qkv);
        // scores: the same q·k/√HS that attentionDecodeStep softmaxes
        for (let hd = 0; hd < NH; hd++) {
          for (let j = 0; j <= pos; j++) {
            let s = 0;
            for (let i = 0; i < HS; i++) s += qkv[hd * HS + i]! * kCache[l]![j * C + hd * HS + i]!;
            all[at.scores + hd * T + j] = s / Math.sqrt(HS);
          }
        }
        put(at.weights, probs);
        put(at.heads, atty);
        put(at.attnOut, attnOut);
        put(at.afterAttn, res2);
        put(at.ln2, ln2.out);
        all[at.ln2Mean] = ln2.mean[0]!;
        all[at.ln2Rstd] = ln2.rstd[0]!;
        put(at.fc, fc.preact);
        put(at.fcGelu, fc.out);
        put(at.mlpOut, mlpOut);
        put(at.out, out);
      }
      x = out;
    }
  }
  const lnf = layernormForward(x, w('ln_f.weight'), w('ln_f.bias'), 1, C);
  put(lay.lnf, lnf.out);
  all[lay.lnfMean] = lnf.mean[0]!;
  all[lay.lnfRstd] = lnf.rstd[0]!;
  put(lay.logits, matmulReference(lnf.out, w('wte.weight'), null, 1, V, C, 'nt').out); // tied head
  return unpackTrace(all.buffer, c, T);
}
