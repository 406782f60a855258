/**
 * CPU reference (float64) for the next-token candidates: softmax(logits / temperature), then the K
 * most likely tokens, most likely first, the lower id on ties. Temperature 0 is greedy: the top
 * token gets probability 1 (the softmax's limit). Kernel: src/kernels/topk.wgsl.
 */
export function softmaxTopK(logits: ArrayLike<number>, K: number, temperature: number): { ids: number[]; probs: Float64Array } {
  const V = logits.length;
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[i]!);
  let sum = 0;
  if (temperature > 0) for (let i = 0; i < V; i++) sum += Math.exp((logits[i]! - max) / temperature);
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
  const ids = order.slice(0, K);
  const probs = Float64Array.from(ids, (id, k) => (temperature > 0 ? Math.exp((logits[id]! - max) / temperature) / sum : k === 0 ? 1 : 0));
  return { ids, probs };
}
