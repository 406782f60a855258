/**
 * CPU references (float64) for the fused softmax + cross-entropy kernel (llm.c crossentropy_forward,
 * crossentropy_softmax_backward). logits (N, V) row-major, targets (N) class indices < V.
 */

/** Log of the sum of exp over one row, max-subtracted so that ±1e4 logits stay finite. */
function logSumExp(logits: ArrayLike<number>, base: number, V: number): number {
  let m = -Infinity;
  for (let i = 0; i < V; i++) m = Math.max(m, logits[base + i]!);
  let s = 0;
  for (let i = 0; i < V; i++) s += Math.exp(logits[base + i]! - m);
  return m + Math.log(s);
}

/** losses (N) = -log softmax(logits[r])[targets[r]] = logsumexp(row) - logits[r][target]. */
export function crossEntropyForward(logits: ArrayLike<number>, targets: ArrayLike<number>, N: number, V: number): Float64Array {
  const losses = new Float64Array(N);
  for (let r = 0; r < N; r++) losses[r] = logSumExp(logits, r * V, V) - logits[r * V + targets[r]!]!;
  return losses;
}

/** dlogits (N, V) = (softmax(logits[r]) - onehot(targets[r])) · dlosses[r]. */
export function crossEntropyBackward(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  dlosses: ArrayLike<number>,
  N: number,
  V: number,
): Float64Array {
  const d = new Float64Array(N * V);
  for (let r = 0; r < N; r++) {
    const lse = logSumExp(logits, r * V, V);
    for (let i = 0; i < V; i++) {
      const p = Math.exp(logits[r * V + i]! - lse);
      d[r * V + i] = (p - (i === targets[r] ? 1 : 0)) * dlosses[r]!;
    }
  }
  return d;
}
