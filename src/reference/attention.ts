/**
 * CPU references (float64) for causal multi-head self-attention, written plainly as llm.c's
 * attention_forward / attention_backward compute it.
 *
 * Layout: qkv (B, T, 3C), each row [q (C) | k (C) | v (C)]; head h owns columns h*HS..(h+1)*HS of
 * each part, HS = C / NH. Scores are scaled by 1/sqrt(HS); query t sees keys 0..t.
 *
 * Optional dropout on the attention weights (nanoGPT's attn_dropout, training only): out_t =
 * Σ_j z_tj·P_tj·v_j with z_tj = keep/(1-p) from src/reference/dropout.ts (the GPU's mask exactly);
 * probs and lse stay those of the softmax, before the mask.
 */
import { attentionDropoutScale, type AttentionDropout } from './dropout';

/** z(row, j) of a dropout spec, or 1 everywhere without one. Row = (b·NH + h)·T + t. */
function dropScale(drop: AttentionDropout | undefined): (row: number, j: number) => number {
  return drop && drop.p > 0 ? attentionDropoutScale(drop) : () => 1;
}

/** a[i] += x (spelled out: with noUncheckedIndexedAccess, `a[i] += x` does not type-check). */
function addAt(a: Float64Array, i: number, x: number): void {
  a[i] = a[i]! + x;
}

export interface AttentionForwardResult {
  /** (B, T, C) */
  out: Float64Array;
  /** (B, NH, T, T): softmax rows, exactly 0 above the diagonal. */
  probs: Float64Array;
  /** (B, NH, T): log-sum-exp of the scaled scores of each query row. */
  lse: Float64Array;
}

export function attentionForward(qkv: ArrayLike<number>, B: number, T: number, C: number, NH: number, drop?: AttentionDropout): AttentionForwardResult {
  const HS = C / NH;
  const C3 = 3 * C;
  const scale = 1 / Math.sqrt(HS);
  const out = new Float64Array(B * T * C);
  const probs = new Float64Array(B * NH * T * T);
  const lse = new Float64Array(B * NH * T);
  const z = dropScale(drop);
  const preatt = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < NH; h++) {
        const q = b * T * C3 + t * C3 + h * HS;
        // scaled scores q·k over the visible keys, and their max (for a stable softmax)
        let maxval = -Infinity;
        for (let t2 = 0; t2 <= t; t2++) {
          const k = b * T * C3 + t2 * C3 + C + h * HS;
          let s = 0;
          for (let i = 0; i < HS; i++) s += qkv[q + i]! * qkv[k + i]!;
          preatt[t2] = s * scale;
          if (preatt[t2]! > maxval) maxval = preatt[t2]!;
        }
        let sum = 0;
        for (let t2 = 0; t2 <= t; t2++) sum += Math.exp(preatt[t2]! - maxval);
        const row = ((b * NH + h) * T + t) * T;
        for (let t2 = 0; t2 <= t; t2++) probs[row + t2] = Math.exp(preatt[t2]! - maxval) / sum;
        lse[(b * NH + h) * T + t] = maxval + Math.log(sum);
        // weighted sum of the values (weights dropped out, if any)
        const o = b * T * C + t * C + h * HS;
        for (let t2 = 0; t2 <= t; t2++) {
          const v = b * T * C3 + t2 * C3 + 2 * C + h * HS;
          const w = z((b * NH + h) * T + t, t2) * probs[row + t2]!;
          for (let i = 0; i < HS; i++) addAt(out, o + i, w * qkv[v + i]!);
        }
      }
    }
  }
  return { out, probs, lse };
}

/**
 * dqkv (B, T, 3C) for L = Σ out·dout. Recomputes probs with the forward pass, then (llm.c):
 * dv += att·dout, datt = dout·v, dpreatt = softmax backward of datt, dq/dk from dpreatt·scale.
 * With dropout, att is z·P: dv += z·P·dout and datt = z·(dout·v) (the same mask as the forward's).
 */
export function attentionBackward(dout: ArrayLike<number>, qkv: ArrayLike<number>, B: number, T: number, C: number, NH: number, drop?: AttentionDropout): Float64Array {
  const HS = C / NH;
  const C3 = 3 * C;
  const scale = 1 / Math.sqrt(HS);
  const { probs } = attentionForward(qkv, B, T, C, NH);
  const z = dropScale(drop);
  const dqkv = new Float64Array(B * T * C3);
  const datt = new Float64Array(T);
  const dpreatt = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < NH; h++) {
        const row = ((b * NH + h) * T + t) * T;
        const q = b * T * C3 + t * C3 + h * HS;
        const o = b * T * C + t * C + h * HS;
        datt.fill(0);
        dpreatt.fill(0);
        // backward through out = Σ att·v
        for (let t2 = 0; t2 <= t; t2++) {
          const v = b * T * C3 + t2 * C3 + 2 * C + h * HS;
          const zt = z((b * NH + h) * T + t, t2);
          for (let i = 0; i < HS; i++) {
            addAt(datt, t2, zt * qkv[v + i]! * dout[o + i]!);
            addAt(dqkv, v + i, zt * probs[row + t2]! * dout[o + i]!);
          }
        }
        // backward through the softmax: d preatt[t3] = Σ_t2 att[t2]·(δ(t2,t3) − att[t3])·datt[t2]
        for (let t2 = 0; t2 <= t; t2++) {
          for (let t3 = 0; t3 <= t; t3++) {
            const indicator = t2 === t3 ? 1 : 0;
            addAt(dpreatt, t3, probs[row + t2]! * (indicator - probs[row + t3]!) * datt[t2]!);
          }
        }
        // backward through preatt = scale·q·k
        for (let t2 = 0; t2 <= t; t2++) {
          const k = b * T * C3 + t2 * C3 + C + h * HS;
          for (let i = 0; i < HS; i++) {
            addAt(dqkv, q + i, qkv[k + i]! * dpreatt[t2]! * scale);
            addAt(dqkv, k + i, qkv[q + i]! * dpreatt[t2]! * scale);
          }
        }
      }
    }
  }
  return dqkv;
}
