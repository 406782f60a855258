/**
 * CPU references (float64) for the GPT-2 encoder (llm.c encoder_forward/backward):
 * out[b, t, :] = wte[tokens[b, t], :] + wpe[t, :].
 * tokens: (B, T); wte: (V, C); wpe: (maxT, C) with T <= maxT; out, dout: (B, T, C).
 */

export function encoderForward(
  tokens: ArrayLike<number>,
  wte: ArrayLike<number>,
  wpe: ArrayLike<number>,
  B: number,
  T: number,
  C: number,
): Float64Array {
  const out = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * C;
      const tok = tokens[b * T + t]!;
      for (let c = 0; c < C; c++) out[o + c] = wte[tok * C + c]! + wpe[t * C + c]!;
    }
  }
  return out;
}

export interface EncoderBackward {
  dwte: Float64Array; // (V, C) this layer's contribution only (the kernel adds it onto dwte)
  dwpe: Float64Array; // (T, C)
}

/** Gradients of L = sum(out · dout) w.r.t. wte (V rows) and the T used rows of wpe. */
export function encoderBackward(dout: ArrayLike<number>, tokens: ArrayLike<number>, B: number, T: number, C: number, V: number): EncoderBackward {
  const dwte = new Float64Array(V * C);
  const dwpe = new Float64Array(T * C);
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
  return { dwte, dwpe };
}
