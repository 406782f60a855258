/**
 * The top-k / top-p cut of a next-token distribution, written once: the sampler (src/model/sampling.ts)
 * draws among the tokens it keeps, and the "How it works" view (re-exported by src/workers/api.ts)
 * shows the same cut. Hugging Face's logits warpers' order: top-k first, then top-p (nucleus) on the
 * renormalised top-k. A leaf module: it imports nothing.
 */

/**
 * How many tokens of `order` (token ids, most likely first; ties by the lower id) survive the cut:
 * the `topK` most likely (0 = off), then the fewest of those whose share of the kept mass reaches
 * `topP` (1 = off). Always at least one when probs is non-empty.
 */
export function keptByCut(probs: ArrayLike<number>, order: ArrayLike<number>, topK: number, topP: number): number {
  const n = order.length;
  const kept = topK > 0 ? Math.min(topK, n) : n;
  if (topP < 1) {
    let mass = 0;
    for (let i = 0; i < kept; i++) mass += probs[order[i]!]!;
    let cum = 0;
    for (let i = 0; i < kept; i++) {
      cum += probs[order[i]!]!;
      if (cum >= topP * mass) return i + 1;
    }
  }
  return kept;
}
