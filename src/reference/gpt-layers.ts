/**
 * Float64 layers of the reference GPT-2 (llm.c train_gpt2.c math), forward and backward.
 * Plain loops, row-major arrays; N = B*T rows. Backward functions ACCUMULATE (+=) into their
 * gradient outputs, as llm.c does, so a tensor used twice (the tied wte) just sums both paths;
 * callers pass zeroed buffers.
 */
import { gelu, geluGrad } from './gelu';

export const LN_EPS = 1e-5;

/** out (B,T,C) = wte[tokens] (V,C) + wpe[t] (block,C). */
export function encoderForward(out: Float64Array, tokens: ArrayLike<number>, wte: Float64Array, wpe: Float64Array, B: number, T: number, C: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C;
      const tok = tokens[b * T + t]!;
      for (let c = 0; c < C; c++) out[o + c] = wte[tok * C + c]! + wpe[t * C + c]!;
    }
  }
}

export function encoderBackward(dwte: Float64Array, dwpe: Float64Array, dout: Float64Array, tokens: ArrayLike<number>, B: number, T: number, C: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C;
      const tok = tokens[b * T + t]!;
      for (let c = 0; c < C; c++) {
        dwte[tok * C + c]! += dout[o + c]!;
        dwpe[t * C + c]! += dout[o + c]!;
      }
    }
  }
}

/** out (N,C) = (x - mean) * rstd * w + b per row, biased variance; keeps mean, rstd (N) for backward. */
export function layernormForward(out: Float64Array, mean: Float64Array, rstd: Float64Array, inp: Float64Array, w: Float64Array, bias: Float64Array, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let m = 0;
    for (let c = 0; c < C; c++) m += inp[o + c]!;
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (inp[o + c]! - m) ** 2;
    v /= C;
    const s = 1 / Math.sqrt(v + LN_EPS);
    for (let c = 0; c < C; c++) out[o + c] = (inp[o + c]! - m) * s * w[c]! + bias[c]!;
    mean[n] = m;
    rstd[n] = s;
  }
}

export function layernormBackward(
  dinp: Float64Array, dw: Float64Array, db: Float64Array,
  dout: Float64Array, inp: Float64Array, w: Float64Array, mean: Float64Array, rstd: Float64Array, N: number, C: number,
): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    const m = mean[n]!;
    const s = rstd[n]!;
    // dnorm = dout * w; the normalisation's Jacobian removes dnorm's mean and its projection on norm.
    let dnormMean = 0;
    let dnormNormMean = 0;
    for (let c = 0; c < C; c++) {
      const norm = (inp[o + c]! - m) * s;
      const dnorm = dout[o + c]! * w[c]!;
      dnormMean += dnorm;
      dnormNormMean += dnorm * norm;
    }
    dnormMean /= C;
    dnormNormMean /= C;
    for (let c = 0; c < C; c++) {
      const norm = (inp[o + c]! - m) * s;
      const dnorm = dout[o + c]! * w[c]!;
      db[c]! += dout[o + c]!;
      dw[c]! += norm * dout[o + c]!;
      dinp[o + c]! += (dnorm - dnormMean - norm * dnormNormMean) * s;
    }
  }
}

/** Conv1D layout: out (N,OC) = inp (N,IC) · w (IC,OC) + bias (OC). */
export function matmulForward(out: Float64Array, inp: Float64Array, w: Float64Array, bias: Float64Array, N: number, IC: number, OC: number): void {
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      let s = bias[oc]!;
      for (let ic = 0; ic < IC; ic++) s += inp[n * IC + ic]! * w[ic * OC + oc]!;
      out[n * OC + oc] = s;
    }
  }
}

/** dinp (N,IC) += dout · wᵀ; dw (IC,OC) += inpᵀ · dout; dbias (OC) += Σ_n dout. */
export function matmulBackward(
  dinp: Float64Array, dw: Float64Array, dbias: Float64Array,
  dout: Float64Array, inp: Float64Array, w: Float64Array, N: number, IC: number, OC: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      const d = dout[n * OC + oc]!;
      dbias[oc]! += d;
      for (let ic = 0; ic < IC; ic++) {
        dinp[n * IC + ic]! += d * w[ic * OC + oc]!;
        dw[ic * OC + oc]! += d * inp[n * IC + ic]!;
      }
    }
  }
}

/** Tied LM head: logits (N,V) = x (N,C) · wteᵀ, wte (V,C); no bias. */
export function headForward(logits: Float64Array, x: Float64Array, wte: Float64Array, N: number, C: number, V: number): void {
  for (let n = 0; n < N; n++) {
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += x[n * C + c]! * wte[v * C + c]!;
      logits[n * V + v] = s;
    }
  }
}

/** dx (N,C) += dlogits · wte; dwte (V,C) += dlogitsᵀ · x. */
export function headBackward(dx: Float64Array, dwte: Float64Array, dlogits: Float64Array, x: Float64Array, wte: Float64Array, N: number, C: number, V: number): void {
  for (let n = 0; n < N; n++) {
    for (let v = 0; v < V; v++) {
      const d = dlogits[n * V + v]!;
      for (let c = 0; c < C; c++) {
        dx[n * C + c]! += d * wte[v * C + c]!;
        dwte[v * C + c]! += d * x[n * C + c]!;
      }
    }
  }
}

/**
 * Causal multi-head self-attention. qkv (B,T,3C), row = [q | k | v], head h = columns h*HS..(h+1)*HS
 * of each part. att (B,NH,T,T) = softmax(q·k / sqrt(HS)) over t2 <= t, zero above the diagonal;
 * out (B,T,C) = att · v, heads side by side.
 */
export function attentionForward(out: Float64Array, att: Float64Array, qkv: Float64Array, B: number, T: number, C: number, NH: number): void {
  const HS = C / NH;
  const scale = 1 / Math.sqrt(HS);
  const C3 = 3 * C;
  const row = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      for (let t = 0; t < T; t++) {
        const q = (b * T + t) * C3 + h * HS;
        let max = -Infinity;
        for (let t2 = 0; t2 <= t; t2++) {
          const k = (b * T + t2) * C3 + C + h * HS;
          let s = 0;
          for (let i = 0; i < HS; i++) s += qkv[q + i]! * qkv[k + i]!;
          row[t2] = s * scale;
          max = Math.max(max, row[t2]!);
        }
        let sum = 0;
        for (let t2 = 0; t2 <= t; t2++) sum += row[t2] = Math.exp(row[t2]! - max);
        const a = ((b * NH + h) * T + t) * T;
        for (let t2 = 0; t2 < T; t2++) att[a + t2] = t2 <= t ? row[t2]! / sum : 0;
        const o = (b * T + t) * C + h * HS;
        for (let i = 0; i < HS; i++) {
          let s = 0;
          for (let t2 = 0; t2 <= t; t2++) s += att[a + t2]! * qkv[(b * T + t2) * C3 + 2 * C + h * HS + i]!;
          out[o + i] = s;
        }
      }
    }
  }
}

/** dqkv (B,T,3C) += gradient of attentionForward given dout (B,T,C) and the saved att. */
export function attentionBackward(dqkv: Float64Array, dout: Float64Array, qkv: Float64Array, att: Float64Array, B: number, T: number, C: number, NH: number): void {
  const HS = C / NH;
  const scale = 1 / Math.sqrt(HS);
  const C3 = 3 * C;
  const datt = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      for (let t = 0; t < T; t++) {
        const a = ((b * NH + h) * T + t) * T;
        const o = (b * T + t) * C + h * HS;
        // out = Σ att[t2] v[t2]: gradients to att and to v.
        for (let t2 = 0; t2 <= t; t2++) {
          const v = (b * T + t2) * C3 + 2 * C + h * HS;
          let s = 0;
          for (let i = 0; i < HS; i++) {
            s += qkv[v + i]! * dout[o + i]!;
            dqkv[v + i]! += att[a + t2]! * dout[o + i]!;
          }
          datt[t2] = s;
        }
        // softmax backward: dpre[t2] = att[t2] * (datt[t2] - Σ att·datt).
        let dot = 0;
        for (let t2 = 0; t2 <= t; t2++) dot += att[a + t2]! * datt[t2]!;
        const q = (b * T + t) * C3 + h * HS;
        for (let t2 = 0; t2 <= t; t2++) {
          const dpre = att[a + t2]! * (datt[t2]! - dot) * scale;
          const k = (b * T + t2) * C3 + C + h * HS;
          for (let i = 0; i < HS; i++) {
            dqkv[q + i]! += qkv[k + i]! * dpre;
            dqkv[k + i]! += qkv[q + i]! * dpre;
          }
        }
      }
    }
  }
}

export function geluForwardInto(out: Float64Array, inp: Float64Array): void {
  for (let i = 0; i < inp.length; i++) out[i] = gelu(inp[i]!);
}

export function geluBackwardInto(dinp: Float64Array, dout: Float64Array, inp: Float64Array): void {
  for (let i = 0; i < inp.length; i++) dinp[i]! += geluGrad(inp[i]!) * dout[i]!;
}

/** Mean over N rows of -log softmax(logits)[target]; logits (N,V). */
export function crossEntropyLoss(logits: Float64Array, targets: ArrayLike<number>, N: number, V: number): number {
  let total = 0;
  for (let n = 0; n < N; n++) {
    const o = n * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[o + v]!);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[o + v]! - max);
    total += Math.log(sum) + max - logits[o + targets[n]!]!;
  }
  return total / N;
}

/** dlogits (N,V) = (softmax(logits) - onehot(target)) / N: gradient of the mean loss. */
export function crossEntropyBackward(dlogits: Float64Array, logits: Float64Array, targets: ArrayLike<number>, N: number, V: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[o + v]!);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[o + v]! - max);
    for (let v = 0; v < V; v++) {
      const p = Math.exp(logits[o + v]! - max) / sum;
      dlogits[o + v]! += (p - (v === targets[n] ? 1 : 0)) / N;
    }
  }
}
