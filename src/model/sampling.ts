/**
 * Sampling the next token from logits on the CPU (the GPU hands back one row of V logits per step).
 * Order of operations follows Hugging Face's logits warpers: temperature, then top-k, then top-p
 * (nucleus) on the renormalised top-k distribution, then one categorical draw.
 */
import { EngineError } from '../errors';
import type { SeededRandom } from './random';
import { keptByCut } from './sampling-cut';

export interface SamplingOptions {
  /** Default 1; 0 means greedy (argmax). */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 (default) = off. */
  topK?: number;
  /** Nucleus: keep the smallest set of most likely tokens whose probability is >= p; 1 (default) = off. */
  topP?: number;
}

/**
 * softmax(logits / temperature), float64. Temperature 0 is the limit of the softmax: one-hot on
 * the argmax (the first one on ties), which is what greedy decoding samples from.
 */
export function softmaxProbs(logits: ArrayLike<number>, temperature = 1): Float64Array {
  checkLogits(logits);
  checkTemperature(temperature);
  const n = logits.length;
  const p = new Float64Array(n);
  if (temperature === 0) {
    p[argmax(logits)] = 1;
    return p;
  }
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i]!);
  if (max === Infinity) {
    // exp(inf - inf) is NaN: the limit is uniform over the +inf entries.
    let count = 0;
    for (let i = 0; i < n; i++) if (logits[i] === Infinity) count++;
    for (let i = 0; i < n; i++) p[i] = logits[i] === Infinity ? 1 / count : 0;
    return p;
  }
  if (max === -Infinity) throw new EngineError('BAD_CONFIG', 'Cannot sample: every logit is -infinity.');
  // Subtracting the max before scaling keeps exp() in range for any temperature.
  let sum = 0;
  for (let i = 0; i < n; i++) sum += p[i] = Math.exp((logits[i]! - max) / temperature);
  for (let i = 0; i < n; i++) p[i]! /= sum;
  return p;
}

/**
 * Returns the sampled token id. Deterministic: the same logits, options and rng state give the same
 * token, and every call consumes exactly one rng draw (greedy included), so switching options
 * mid-generation does not shift the random stream of later tokens.
 * Ties in top-k / top-p are broken by the lower token id.
 */
export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, rng: SeededRandom): number {
  const temperature = opts.temperature ?? 1;
  const topK = opts.topK ?? 0;
  const topP = opts.topP ?? 1;
  checkLogits(logits);
  checkTemperature(temperature);
  if (!Number.isInteger(topK) || topK < 0) throw new EngineError('BAD_CONFIG', `top-k must be a whole number >= 0 (0 = off), got ${topK}.`);
  if (!(topP > 0 && topP <= 1)) throw new EngineError('BAD_CONFIG', `top-p must be in (0, 1] (1 = off), got ${topP}.`);

  const u = rng.next();
  if (temperature === 0 || topK === 1) return argmax(logits);

  const probs = softmaxProbs(logits, temperature);
  const n = probs.length;
  if (topK === 0 && topP === 1) return drawFrom(probs, identityOrder(n), n, u);

  // Most likely first; the sort is stable on the id, so ties keep the lower id.
  const order = identityOrder(n);
  order.sort((a, b) => probs[b]! - probs[a]! || a - b);
  // Smallest prefix of the (renormalised) top-k whose share reaches p; always at least one token.
  const kept = keptByCut(probs, order, topK, topP);
  return drawFrom(probs, order, kept, u);
}

/** Inverse-CDF draw among order[0..kept), renormalised by their total mass. */
function drawFrom(probs: Float64Array, order: ArrayLike<number>, kept: number, u: number): number {
  let mass = 0;
  for (let i = 0; i < kept; i++) mass += probs[order[i]!]!;
  const target = u * mass;
  let cum = 0;
  for (let i = 0; i < kept; i++) {
    cum += probs[order[i]!]!;
    if (target < cum) return order[i]!;
  }
  // Rounding can leave target a hair above the last cumulative sum: take the last kept token
  // with non-zero probability (never one that was filtered out).
  for (let i = kept - 1; i > 0; i--) if (probs[order[i]!]! > 0) return order[i]!;
  return order[0]!;
}

function identityOrder(n: number): number[] {
  const o = new Array<number>(n);
  for (let i = 0; i < n; i++) o[i] = i;
  return o;
}

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

function checkLogits(logits: ArrayLike<number>): void {
  if (logits.length === 0) throw new EngineError('BAD_CONFIG', 'Cannot sample from an empty vocabulary.');
  for (let i = 0; i < logits.length; i++) {
    if (Number.isNaN(logits[i])) {
      throw new EngineError('DIVERGED', `The model produced NaN logits (token ${i}): training has diverged; lower the learning rate or reload a checkpoint.`);
    }
  }
}

function checkTemperature(t: number): void {
  if (!(t >= 0) || !Number.isFinite(t)) throw new EngineError('BAD_CONFIG', `Temperature must be a finite number >= 0 (0 = greedy), got ${t}.`);
}
