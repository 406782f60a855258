/**
 * The training loop, shared by the CLI (`cli train`) and the page's worker: it drives a Trainer,
 * evaluates every `evalEvery` steps and at the end, honours pause and stop, and yields events.
 * What to do with them (save a checkpoint, sample text, draw a chart) is the caller's.
 *
 * Steps are submitted ahead: up to `inFlight` steps sit in the GPU queue while the loss of an
 * earlier one is read back, so the GPU never waits for the CPU between steps. Evaluation, pause and
 * stop first drain the queue, so they see the weights of the last completed step. While the
 * generator is suspended at an 'eval' event nothing of the trainer's is in flight, so the caller
 * may use the model (e.g. sample from it).
 *
 * Divergence is the Trainer's: a non-finite loss restores the last good weights and throws
 * EngineError('DIVERGED') out of this generator.
 */
import type { GPTConfig } from './config';
import type { Recipe } from './presets';
import type { StepResult, Trainer, TrainOptions } from './trainer';

export type SessionEvent =
  | ({ kind: 'step'; steps: number; tokensPerSec: number; elapsedMs: number } & StepResult)
  | { kind: 'eval'; step: number; trainLoss: number; valLoss: number; best: boolean }
  | { kind: 'end'; step: number; reason: 'finished' | 'stopped' };

/** Pause and resume from another task; the loop waits at the next step boundary. */
export class PauseGate {
  private waiters: (() => void)[] = [];
  paused = false;
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    for (const w of this.waiters.splice(0)) w();
  }
  /** Resolves on resume (or when `signal` aborts). */
  wait(signal?: AbortSignal): Promise<void> {
    if (!this.paused || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}

export interface SessionOptions {
  evalEvery: number;
  /** Stop: the loop ends at the next step boundary; the weights are those of the last completed step. */
  signal?: AbortSignal;
  gate?: PauseGate;
  /** Steps queued on the GPU beyond the one whose loss is being read (default 1, at most MAX_STEPS_IN_FLIGHT - 1). */
  inFlight?: number;
  /** Evaluate before the first step too (a baseline point on the curve). Default true. */
  evalAtStart?: boolean;
}

export async function* trainingSession(trainer: Trainer, opts: SessionOptions): AsyncGenerator<SessionEvent> {
  const steps = trainer.opts.steps;
  const depth = Math.max(0, opts.inFlight ?? 1);
  const tokensPerStep = trainer.B * trainer.T;
  const pending: Promise<StepResult>[] = [];
  let best = Infinity;
  // Throughput counts training time only: evaluation and pauses are left out.
  let activeMs = 0;
  let doneSteps = 0;
  let since = performance.now();
  const started = performance.now();
  const stepEvent = (r: StepResult): SessionEvent => {
    doneSteps++;
    const ms = activeMs + (performance.now() - since);
    return { kind: 'step', ...r, steps, tokensPerSec: (doneSteps * tokensPerStep * 1000) / Math.max(ms, 1e-6), elapsedMs: performance.now() - started };
  };
  const idle = () => {
    activeMs += performance.now() - since;
  };
  const busy = () => {
    since = performance.now();
  };

  for (let s = trainer.step; ; ) {
    const evalNow = s === steps || (s % opts.evalEvery === 0 && (s > 0 || opts.evalAtStart !== false));
    const stop = opts.signal?.aborted ?? false;
    const pause = opts.gate?.paused ?? false;
    if (evalNow || stop || pause) {
      while (pending.length) yield stepEvent(await pending.shift()!);
      idle();
      if (stop) {
        yield { kind: 'end', step: s, reason: 'stopped' };
        return;
      }
      if (evalNow) {
        const trainLoss = await trainer.evaluate('train');
        const valLoss = await trainer.evaluate('val');
        const isBest = valLoss < best;
        if (isBest) best = valLoss;
        yield { kind: 'eval', step: s, trainLoss, valLoss, best: isBest };
      }
      if (s === steps) {
        yield { kind: 'end', step: s, reason: 'finished' };
        return;
      }
      if (pause) await opts.gate!.wait(opts.signal);
      busy();
      if (pause) continue; // re-check stop after a pause
    }
    pending.push(trainer.submitStep());
    s++;
    if (pending.length > depth) yield stepEvent(await pending.shift()!);
  }
}

/** The model shape a recipe gives for a vocabulary. */
export function recipeConfig(r: Recipe, vocabSize: number): GPTConfig {
  return { n_layer: r.n_layer, n_head: r.n_head, n_embd: r.n_embd, block_size: r.block_size, vocab_size: vocabSize };
}

/** The optimiser settings of a recipe (AdamW betas, eps and clipping as nanoGPT's Shakespeare recipe). */
export function recipeTrainOptions(r: Recipe): TrainOptions {
  return {
    batch: r.batch,
    seqLen: r.block_size,
    steps: r.steps,
    lr: r.lr,
    minLr: r.minLr,
    warmup: r.warmup,
    weightDecay: r.weightDecay,
    beta1: 0.9,
    beta2: 0.99,
    eps: 1e-8,
    gradClip: 1,
    evalIters: r.evalIters,
    seed: r.seed,
    dropout: r.dropout,
  };
}

