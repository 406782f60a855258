/**
 * CPU reference (float64) for the AdamW step (torch.optim.AdamW: decoupled weight decay) with
 * global-norm clipping as torch.nn.utils.clip_grad_norm_ (coefficient max / (norm + 1e-6), at most 1).
 */
import type { AdamWHyper } from '../kernels/adamw';

export interface AdamWState {
  params: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

export function adamwInit(params: ArrayLike<number>): AdamWState {
  return { params: Float64Array.from(params), m: new Float64Array(params.length), v: new Float64Array(params.length) };
}

/** The clip factor the step applies to every gradient; 1 when clipping is off (maxGradNorm <= 0 or Infinity). */
export function clipFactor(gradNormSq: number, maxGradNorm: number): number {
  if (!(maxGradNorm > 0) || !Number.isFinite(maxGradNorm)) return 1;
  return Math.min(1, maxGradNorm / (Math.sqrt(gradNormSq) + 1e-6));
}

/** One step in place. `gradNormSq` is the squared global norm of `grads` (as the GPU buffer holds it). */
export function adamwStep(s: AdamWState, grads: ArrayLike<number>, gradNormSq: number, h: AdamWHyper): void {
  const clip = clipFactor(gradNormSq, h.maxGradNorm);
  const bc1 = 1 - Math.pow(h.beta1, h.step);
  const bc2 = 1 - Math.pow(h.beta2, h.step);
  for (let i = 0; i < s.params.length; i++) {
    const g = grads[i]! * clip;
    const m = (s.m[i] = h.beta1 * s.m[i]! + (1 - h.beta1) * g);
    const v = (s.v[i] = h.beta2 * s.v[i]! + (1 - h.beta2) * g * g);
    const w = s.params[i]!;
    s.params[i] = w - h.lr * (m / bc1 / (Math.sqrt(v / bc2) + h.eps) + h.weightDecay * w);
  }
}
