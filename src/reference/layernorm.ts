/**
 * CPU references (float64) for LayerNorm over the last axis (llm.c layernorm_forward/backward).
 * inp, out, dout: (N, C); weight, bias: (C); mean, rstd: (N). Biased variance, eps 1e-5 (GPT-2).
 */
export const LN_EPS = 1e-5;

export interface LayerNormForward {
  out: Float64Array; // (N, C)
  mean: Float64Array; // (N)
  rstd: Float64Array; // (N) 1 / sqrt(var + eps)
}

export function layernormForward(inp: ArrayLike<number>, weight: ArrayLike<number>, bias: ArrayLike<number>, N: number, C: number): LayerNormForward {
  const out = new Float64Array(N * C);
  const mean = new Float64Array(N);
  const rstd = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let m = 0;
    for (let c = 0; c < C; c++) m += inp[o + c]!;
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (inp[o + c]! - m) ** 2;
    v /= C;
    const s = 1 / Math.sqrt(v + LN_EPS);
    for (let c = 0; c < C; c++) out[o + c] = (inp[o + c]! - m) * s * weight[c]! + bias[c]!;
    mean[n] = m;
    rstd[n] = s;
  }
  return { out, mean, rstd };
}

export interface LayerNormBackward {
  dinp: Float64Array; // (N, C) this layer's contribution only (the kernel adds it onto dinp)
  dweight: Float64Array; // (C)
  dbias: Float64Array; // (C)
}

/** Gradients of L = sum(out · dout), given the forward's mean and rstd. */
export function layernormBackward(
  dout: ArrayLike<number>,
  inp: ArrayLike<number>,
  weight: ArrayLike<number>,
  mean: ArrayLike<number>,
  rstd: ArrayLike<number>,
  N: number,
  C: number,
): LayerNormBackward {
  const dinp = new Float64Array(N * C);
  const dweight = new Float64Array(C);
  const dbias = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    const o = n * C;
    const m = mean[n]!;
    const s = rstd[n]!;
    // The two row means the normalisation couples every input through.
    let dnormMean = 0;
    let dnormNormMean = 0;
    for (let c = 0; c < C; c++) {
      const norm = (inp[o + c]! - m) * s;
      const dnorm = weight[c]! * dout[o + c]!;
      dnormMean += dnorm;
      dnormNormMean += dnorm * norm;
    }
    dnormMean /= C;
    dnormNormMean /= C;
    for (let c = 0; c < C; c++) {
      const norm = (inp[o + c]! - m) * s;
      const dnorm = weight[c]! * dout[o + c]!;
      dbias[c]! += dout[o + c]!;
      dweight[c]! += norm * dout[o + c]!;
      dinp[o + c] = (dnorm - dnormMean - norm * dnormNormMean) * s;
    }
  }
  return { dinp, dweight, dbias };
}
