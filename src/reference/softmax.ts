/** CPU reference (float64) for the row softmax: out[r, :] = exp(x - max) / sum(exp(x - max)). */

/** inp, out: (rows, cols), row-major. Max-subtracted, so large logits do not overflow. */
export function softmaxForward(inp: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, inp[o + c]!);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += (out[o + c] = Math.exp(inp[o + c]! - max));
    for (let c = 0; c < cols; c++) out[o + c]! /= sum;
  }
  return out;
}
