/**
 * CPU reference (float64) for inverted dropout, as nanoGPT applies it in training: kept values are
 * scaled by 1/(1-p), dropped ones are 0. The mask mirrors src/kernels/dropout_rng.wgsl bit for bit
 * (u32 math with Math.imul and >>> 0), so the reference reproduces the GPU's mask exactly.
 */

/** PCG hash (Jarzynski & Olano 2020): a bijection of u32. */
export function pcgHash(x: number): number {
  const state = (Math.imul(x, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** One key per (step seed, dropout site). */
export function dropoutKey(seed: number, stream: number): number {
  return pcgHash((seed ^ pcgHash(stream)) >>> 0);
}

/** 32 random bits of element `index` under `key`. */
export function dropoutBits(key: number, index: number): number {
  return pcgHash((pcgHash((index ^ key) >>> 0) + key) >>> 0);
}

/** Elements whose bits are below this are dropped: floor(p·2^32), so P(kept) = 1 - p. */
export function dropoutThreshold(p: number): number {
  checkP(p);
  return Math.min(2 ** 32 - 1, Math.floor(p * 2 ** 32));
}

export function checkP(p: number): void {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout probability must be in [0, 1), got ${p}`);
}

/** Per element: 1/(1-p) where kept, 0 where dropped (n elements of one stream). */
export function dropoutMask(n: number, p: number, seed: number, stream: number): Float64Array {
  const threshold = dropoutThreshold(p);
  const key = dropoutKey(seed, stream);
  const scale = 1 / (1 - p);
  const m = new Float64Array(n);
  for (let i = 0; i < n; i++) m[i] = dropoutBits(key, i) >= threshold ? scale : 0;
  return m;
}

/** out = mask · inp (+ residual). The backward is the same function of dout: dinp = mask · dout. */
export function dropoutForward(inp: ArrayLike<number>, p: number, seed: number, stream: number, residual?: ArrayLike<number>): Float64Array {
  const m = dropoutMask(inp.length, p, seed, stream);
  const out = new Float64Array(inp.length);
  for (let i = 0; i < inp.length; i++) out[i] = (residual ? residual[i]! : 0) + m[i]! * inp[i]!;
  return out;
}

export function dropoutBackward(dout: ArrayLike<number>, p: number, seed: number, stream: number): Float64Array {
  return dropoutForward(dout, p, seed, stream);
}

/** Dropout of attention weights: which site (stream) and step (seed), and the rate. */
export interface AttentionDropout {
  p: number;
  seed: number;
  stream: number;
}

/**
 * The attention-weight mask of one stream: scale(row, j) for query row = (b·NH + h)·T + t and key j,
 * 1/(1-p) or 0 (two-level hash as in dropout_rng.wgsl).
 */
export function attentionDropoutScale(d: AttentionDropout): (row: number, j: number) => number {
  const threshold = dropoutThreshold(d.p);
  const key = dropoutKey(d.seed, d.stream);
  const scale = 1 / (1 - d.p);
  return (row, j) => (dropoutBits(dropoutBits(key, row), j) >= threshold ? scale : 0);
}
