/** CPU references (float64) for reductions: bias gradients, mean loss, gradient norm. */

/** out (N) = init + sum over the M rows of inp (M, N). `init` models the kernel's accumulate mode. */
export function columnSum(inp: ArrayLike<number>, M: number, N: number, init?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(N);
  for (let j = 0; j < N; j++) out[j] = init ? init[j]! : 0;
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[j]! += inp[i * N + j]!;
  return out;
}

/** scale · sum(inp). */
export function scaledSum(inp: ArrayLike<number>, scale: number): number {
  let s = 0;
  for (let i = 0; i < inp.length; i++) s += inp[i]!;
  return scale * s;
}

/** sum of squares of inp (the squared L2 norm of a gradient). */
export function sumSquares(inp: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < inp.length; i++) s += inp[i]! * inp[i]!;
  return s;
}
