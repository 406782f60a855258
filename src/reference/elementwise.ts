/** CPU references (float64) for elementwise kernels. */

export function residualForward(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

/** Row `pos` of token + position embedding for one token: wte[token] + wpe[pos]. */
export function embedDecode(wte: ArrayLike<number>, wpe: ArrayLike<number>, token: number, pos: number, C: number): Float64Array {
  const out = new Float64Array(C);
  for (let c = 0; c < C; c++) out[c] = wte[token * C + c]! + wpe[pos * C + c]!;
  return out;
}

/** dst = src when every flag is finite, else dst unchanged. */
export function guardedCopy(dst: ArrayLike<number>, src: ArrayLike<number>, flags: number[]): Float64Array {
  return Float64Array.from(flags.every(Number.isFinite) ? src : dst);
}

/** The keys and values of T rows of qkv (T, 3C) = [q | k | v] into cache rows 0..T-1 (kCache, vCache (maxT, C)). */
export function kvStore(kCache: Float64Array, vCache: Float64Array, qkv: ArrayLike<number>, T: number, C: number): void {
  for (let j = 0; j < T; j++) {
    for (let i = 0; i < C; i++) {
      kCache[j * C + i] = qkv[j * 3 * C + C + i]!;
      vCache[j * C + i] = qkv[j * 3 * C + 2 * C + i]!;
    }
  }
}
