/**
 * GELU, tanh form (GPT-2's `gelu_new`): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 * The tanh argument is clamped to ±GELU_CLAMP, exactly as the WGSL kernels do: WGSL's tanh may
 * return NaN for large arguments on some drivers, and at |u| > 10 tanh(u) is ±1 in float32 anyway.
 */
export const GELU_CLAMP = 10;
const S = Math.sqrt(2 / Math.PI);

export function gelu(x: number): number {
  const u = Math.max(-GELU_CLAMP, Math.min(GELU_CLAMP, S * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1 + Math.tanh(u));
}

/** d gelu / dx (with the clamp: the tanh branch contributes nothing where the argument is clamped). */
export function geluGrad(x: number): number {
  const uRaw = S * (x + 0.044715 * x * x * x);
  const clamped = uRaw > GELU_CLAMP || uRaw < -GELU_CLAMP;
  const u = Math.max(-GELU_CLAMP, Math.min(GELU_CLAMP, uRaw));
  const t = Math.tanh(u);
  const du = clamped ? 0 : S * (1 + 3 * 0.044715 * x * x);
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du;
}

export function geluForward(inp: ArrayLike<number>): Float64Array {
  const out = new Float64Array(inp.length);
  for (let i = 0; i < inp.length; i++) out[i] = gelu(inp[i]!);
  return out;
}

export function geluBackward(inp: ArrayLike<number>, dout: ArrayLike<number>): Float64Array {
  const d = new Float64Array(inp.length);
  for (let i = 0; i < inp.length; i++) d[i] = geluGrad(inp[i]!) * dout[i]!;
  return d;
}
