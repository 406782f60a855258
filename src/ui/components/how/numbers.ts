/**
 * Small numeric helpers of the "How it works" view: norms and spreads, downsampling a vector for a
 * colour strip, a histogram, and the next-token distribution at a temperature with top-k / top-p.
 * All O(length) on the main thread (the sort by logit is the worker's: TokenTrace.order).
 */
import { formatNumber } from '../../i18n';
import { keptByCut } from '../../../workers/api';

export function norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

export function meanStd(x: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / x.length) };
}

/**
 * At most `bins` values standing for x: each bin keeps its entry of largest |x| (sign kept), so a
 * spike survives downsampling (768 channels into a strip a few hundred pixels wide).
 */
export function downsampleMaxAbs(x: ArrayLike<number>, bins: number): Float32Array {
  if (x.length <= bins) return Float32Array.from(x);
  const out = new Float32Array(bins);
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * x.length) / bins);
    const hi = Math.floor(((b + 1) * x.length) / bins);
    let best = 0;
    for (let i = lo; i < hi; i++) if (Math.abs(x[i]!) > Math.abs(best)) best = x[i]!;
    out[b] = best;
  }
  return out;
}

export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/** Counts of x in `bins` equal bins over [lo, hi] (values outside go to the end bins). */
export function histogram(x: ArrayLike<number>, bins: number, lo: number, hi: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins || 1;
  for (let i = 0; i < x.length; i++) counts[Math.min(bins - 1, Math.max(0, Math.floor((x[i]! - lo) / w)))]!++;
  return counts;
}

export function argmaxOf(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

/**
 * The next-token distribution as sampling uses it (src/model/sampling.ts, in the same order:
 * temperature, then top-k, then top-p on the renormalised top-k): `probs` = softmax(logits / T)
 * (one-hot on the argmax at T = 0), and `kept` = how many tokens of `order` survive the cut, whose
 * renormalised probabilities a draw uses.
 */
export function nextTokenDistribution(logits: Float32Array, order: Uint32Array, temperature: number, topK: number, topP: number): { probs: Float64Array; kept: number; keptMass: number } {
  const n = logits.length;
  const probs = new Float64Array(n);
  if (temperature <= 0) {
    probs[order[0]!] = 1;
  } else {
    const max = logits[order[0]!]!;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += probs[i] = Math.exp((logits[i]! - max) / temperature);
    for (let i = 0; i < n; i++) probs[i]! /= sum;
  }
  const kept = temperature <= 0 ? 1 : keptByCut(probs, order, topK, topP);
  let keptMass = 0;
  for (let i = 0; i < kept; i++) keptMass += probs[order[i]!]!;
  return { probs, kept, keptMass };
}

/** Diverging colour of a value in [-1, 1]: blue (negative) - near black - orange (positive). */
export function divergingRgb(t: number): [number, number, number] {
  const a = Math.min(1, Math.abs(t)) ** 0.7;
  const base = [24, 24, 27];
  const end = t < 0 ? [56, 189, 248] : [251, 146, 60];
  return [0, 1, 2].map((c) => Math.round(base[c]! + a * (end[c]! - base[c]!))) as [number, number, number];
}

export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return x.toExponential(2);
  return formatNumber(x, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false });
}
