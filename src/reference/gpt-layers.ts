/**
 * The layers of the reference GPT-2 (src/reference/gpt.ts), in llm.c's calling style: outputs
 * written into caller-owned arrays, and backward functions ACCUMULATING (+=) into their gradient
 * outputs, so that a tensor used twice (the tied wte) just sums both paths; callers pass zeroed
 * buffers. The math itself is the per-kernel references' (each checked by finite differences):
 * this file only adapts their shapes, so the whole-model reference and the kernel tests share one
 * definition of every layer.
 */
import * as attention from './attention';
import type { AttentionDropout } from './dropout';
import * as crossentropy from './crossentropy';
import * as encoder from './encoder';
import { geluBackward, geluForward } from './gelu';
import * as layernorm from './layernorm';
import { matmulBackward as matmulGrads, matmulReference } from './matmul';

/** dst[i] += src[i] over src's length (a prefix of dst when src is shorter). */
function addInto(dst: Float64Array, src: ArrayLike<number>): void {
  for (let i = 0; i < src.length; i++) dst[i] = dst[i]! + src[i]!;
}

/** out (B,T,C) = wte[tokens] (V,C) + wpe[t] (block,C). */
export function encoderForward(out: Float64Array, tokens: ArrayLike<number>, wte: Float64Array, wpe: Float64Array, B: number, T: number, C: number): void {
  out.set(encoder.encoderForward(tokens, wte, wpe, B, T, C));
}

/** dwte (V,C) += scatter of dout by token; dwpe rows 0..T-1 += Σ_b dout. */
export function encoderBackward(dwte: Float64Array, dwpe: Float64Array, dout: Float64Array, tokens: ArrayLike<number>, B: number, T: number, C: number): void {
  const g = encoder.encoderBackward(dout, tokens, B, T, C, dwte.length / C);
  addInto(dwte, g.dwte);
  addInto(dwpe, g.dwpe);
}

/** out (N,C) = (x - mean) * rstd * w + b per row, biased variance; keeps mean, rstd (N) for backward. */
export function layernormForward(out: Float64Array, mean: Float64Array, rstd: Float64Array, inp: Float64Array, w: Float64Array, bias: Float64Array, N: number, C: number): void {
  const r = layernorm.layernormForward(inp, w, bias, N, C);
  out.set(r.out);
  mean.set(r.mean);
  rstd.set(r.rstd);
}

export function layernormBackward(
  dinp: Float64Array, dw: Float64Array, db: Float64Array,
  dout: Float64Array, inp: Float64Array, w: Float64Array, mean: Float64Array, rstd: Float64Array, N: number, C: number,
): void {
  const g = layernorm.layernormBackward(dout, inp, w, mean, rstd, N, C);
  addInto(dinp, g.dinp);
  addInto(dw, g.dweight);
  addInto(db, g.dbias);
}

/** Conv1D layout: out (N,OC) = inp (N,IC) · w (IC,OC) + bias (OC). */
export function matmulForward(out: Float64Array, inp: Float64Array, w: Float64Array, bias: Float64Array, N: number, IC: number, OC: number): void {
  out.set(matmulReference(inp, w, bias, N, OC, IC).out);
}

/** dinp (N,IC) += dout · wᵀ; dw (IC,OC) += inpᵀ · dout; dbias (OC) += Σ_n dout. */
export function matmulBackward(
  dinp: Float64Array, dw: Float64Array, dbias: Float64Array,
  dout: Float64Array, inp: Float64Array, w: Float64Array, N: number, IC: number, OC: number,
): void {
  const g = matmulGrads(dout, inp, w, N, OC, IC);
  addInto(dinp, g.da);
  addInto(dw, g.db);
  addInto(dbias, g.dbias);
}

/** Tied LM head: logits (N,V) = x (N,C) · wteᵀ, wte (V,C); no bias. */
export function headForward(logits: Float64Array, x: Float64Array, wte: Float64Array, N: number, C: number, V: number): void {
  logits.set(matmulReference(x, wte, null, N, V, C, 'nt').out);
}

/** dx (N,C) += dlogits · wte; dwte (V,C) += dlogitsᵀ · x. */
export function headBackward(dx: Float64Array, dwte: Float64Array, dlogits: Float64Array, x: Float64Array, wte: Float64Array, N: number, C: number, V: number): void {
  addInto(dx, matmulReference(dlogits, wte, null, N, C, V, 'nn').out);
  addInto(dwte, matmulReference(dlogits, x, null, V, C, N, 'tn').out);
}

/**
 * Causal multi-head self-attention. qkv (B,T,3C), row = [q | k | v], head h = columns h*HS..(h+1)*HS
 * of each part. att (B,NH,T,T) = softmax(q·k / sqrt(HS)) over t2 <= t, zero above the diagonal;
 * out (B,T,C) = att · v, heads side by side; with `drop`, att · v with att's weights dropped out
 * (att itself stays the softmax).
 */
export function attentionForward(out: Float64Array, att: Float64Array, qkv: Float64Array, B: number, T: number, C: number, NH: number, drop?: AttentionDropout): void {
  const r = attention.attentionForward(qkv, B, T, C, NH, drop);
  out.set(r.out);
  att.set(r.probs);
}

/** dqkv (B,T,3C) += gradient of attentionForward given dout (B,T,C) (att is recomputed from qkv). */
export function attentionBackward(dqkv: Float64Array, dout: Float64Array, qkv: Float64Array, _att: Float64Array, B: number, T: number, C: number, NH: number, drop?: AttentionDropout): void {
  addInto(dqkv, attention.attentionBackward(dout, qkv, B, T, C, NH, drop));
}

export function geluForwardInto(out: Float64Array, inp: Float64Array): void {
  out.set(geluForward(inp));
}

export function geluBackwardInto(dinp: Float64Array, dout: Float64Array, inp: Float64Array): void {
  addInto(dinp, geluBackward(inp, dout));
}

/** Mean over N rows of -log softmax(logits)[target]; logits (N,V). */
export function crossEntropyLoss(logits: Float64Array, targets: ArrayLike<number>, N: number, V: number): number {
  return crossentropy.crossEntropyForward(logits, targets, N, V).reduce((s, x) => s + x, 0) / N;
}

/** dlogits (N,V) += (softmax(logits) - onehot(target)) / N: gradient of the mean loss. */
export function crossEntropyBackward(dlogits: Float64Array, logits: Float64Array, targets: ArrayLike<number>, N: number, V: number): void {
  addInto(dlogits, crossentropy.crossEntropyBackward(logits, targets, new Float64Array(N).fill(1 / N), N, V));
}
