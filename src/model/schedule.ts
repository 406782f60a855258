/**
 * Learning-rate schedule, as nanoGPT's get_lr: linear warmup, then cosine decay to minLr, then flat.
 */
import { EngineError } from '../errors';

export interface LrSchedule {
  /** Peak learning rate, reached at the end of warmup. */
  lr: number;
  /** Floor reached at decaySteps and kept after. */
  minLr: number;
  /** Iterations of linear warmup. */
  warmup: number;
  /** Iteration where the cosine reaches minLr (nanoGPT sets lr_decay_iters = max_iters). */
  decaySteps: number;
}

/** Learning rate for 0-based iteration `step`. */
export function learningRate(step: number, s: LrSchedule): number {
  if (!(step >= 0) || !Number.isFinite(step)) throw new EngineError('BAD_CONFIG', `Learning-rate step must be >= 0, got ${step}.`);
  if (!(s.warmup >= 0) || !(s.decaySteps >= 0)) {
    throw new EngineError('BAD_CONFIG', `Warmup and decay steps must be >= 0, got ${s.warmup} and ${s.decaySteps}.`);
  }
  // (it + 1) / (warmup + 1): the first step already trains (lr > 0) and warmup ends just below lr.
  if (step < s.warmup) return (s.lr * (step + 1)) / (s.warmup + 1);
  // `>=` rather than nanoGPT's `>` gives the same value at step == decaySteps (cos(pi) = -1) and
  // avoids 0/0 when decaySteps == warmup.
  if (step >= s.decaySteps) return s.minLr;
  const ratio = (step - s.warmup) / (s.decaySteps - s.warmup); // in [0, 1)
  const coeff = 0.5 * (1 + Math.cos(Math.PI * ratio)); // 1 -> 0
  return s.minLr + coeff * (s.lr - s.minLr);
}
