/**
 * Training loop on the GPU: one command encoder and one submit per step
 * (upload batch -> forward -> backward -> grad norm -> AdamW), reading back only [loss, grad norm²].
 *
 * Steps may be in flight: `submitStep` encodes and submits a step and returns a promise for its
 * [loss, grad norm²], copied into that step's own staging buffer of a small ring, so the caller
 * can submit the next step before reading this one's loss and the GPU never idles between steps.
 * Batch uploads, learning rates and dropout seeds are queue writes, ordered with the submits.
 *
 * Divergence: each step copies the weights it started from into `lastGood` only if the loss and
 * gradient norm they produced are finite, and only if every earlier step's were (a sticky GPU-side
 * flag, so steps queued behind a diverged one cannot advance the backup; no extra sync). When a
 * non-finite loss is read, the weights are restored from `lastGood` and the step rejects with
 * DIVERGED; so does every step submitted after it, and the trainer takes no more steps.
 */
import { bindingChunks, createBuffer, createStorage, readFloats, Readback, USAGE, writeArray } from '../gpu/buffers';
import { EngineError } from '../errors';
import { adamw, type AdamWHyper } from '../kernels/adamw';
import { packTokenBuckets } from '../kernels/encoder';
import { gradNormPartialsSize, gradNormSquared } from '../kernels/gradnorm';
import { guardedCopy } from '../kernels/guarded_copy';
import { sumReduce } from '../kernels/reduce';
import { BatchSampler } from './data';
import type { Activations, GPT } from './gpt';
import { destroyOps, encodeOps, submitOps, type Op } from './ops';
import { checkRecipeField } from './recipe';
import { learningRate } from './schedule';

export interface TrainOptions {
  batch: number; // B
  seqLen?: number; // T, defaults to the block size
  steps: number; // iterations
  lr: number;
  minLr: number;
  warmup: number;
  decaySteps?: number; // defaults to steps (nanoGPT's lr_decay_iters)
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  gradClip: number; // max grad norm; 0 disables
  evalIters: number; // batches per evaluation
  seed: number; // batch sampling and dropout masks
  /** nanoGPT's dropout rate in [0, 1) (embedding, attention weights, both c_proj outputs); default 0. Training only. */
  dropout?: number;
}

/** Steps that may be submitted and not yet read back at once: the size of the read-back ring. */
export const MAX_STEPS_IN_FLIGHT = 3;

export const NANOGPT_SHAKESPEARE_CHAR: Omit<TrainOptions, 'steps' | 'seed'> = {
  batch: 12,
  seqLen: 64,
  lr: 1e-3,
  minLr: 1e-4,
  warmup: 100,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-8,
  gradClip: 1.0,
  evalIters: 20,
};

export interface StepResult {
  step: number; // 1-based count of completed steps
  loss: number; // training loss of the batch (before the update)
  gradNorm: number;
  lr: number;
  ms: number;
}

/**
 * What a run needs, beyond the weights, to continue exactly where it stopped: the AdamW moments
 * (laid out like the parameters) and the step count. The learning rate, AdamW's bias correction,
 * the batch sampler and the dropout masks are functions of (opts, step), so opts + step restore them.
 */
export interface TrainerState {
  step: number;
  m: Float32Array;
  v: Float32Array;
}

export class Trainer {
  readonly B: number;
  readonly T: number;
  step = 0; // steps whose results were read (submitted steps may run ahead)
  private acts: Activations;
  private trainOps: Op[];
  private evalOps: Op[];
  private optimizers: { setHyper(h: AdamWHyper): void; decay: boolean }[] = [];
  private trainSampler: BatchSampler;
  private stats: GPUBuffer; // [loss, grad norm², sticky: 0 while every step so far was finite, NaN after]
  private lastGood: GPUBuffer;
  private ring: GPUBuffer[]; // MAX_STEPS_IN_FLIGHT staging buffers of 8 bytes: a step's [loss, grad norm²]
  private readback: Readback; // evaluation's loss
  private extra: GPUBuffer[] = [];
  private submitted = 0; // steps submitted
  private inFlight = 0; // steps submitted and not yet read back
  private resultsDone: Promise<unknown> = Promise.resolve(); // the last submitted step's result, settled
  private divergedAt = 0; // 1-based step whose loss was non-finite; 0 while training is healthy

  constructor(
    readonly model: GPT,
    private readonly train: Uint32Array,
    private readonly val: Uint32Array,
    readonly opts: TrainOptions,
  ) {
    const { device } = model;
    if (!model.grads || !model.m || !model.v || !model.lastGood) throw new Error('Trainer needs a model created with { training: true }');
    const dropout = opts.dropout ?? 0;
    const badDropout = checkRecipeField('dropout', dropout);
    if (badDropout) throw new EngineError(badDropout.code, badDropout.message);
    this.B = opts.batch;
    this.T = opts.seqLen ?? model.config.block_size;
    this.trainSampler = new BatchSampler(train, this.B, this.T, opts.seed);
    this.acts = model.allocActivations(this.B, this.T, true);
    const total = model.layout.totalFloats;
    const mk = (label: string, floats: number) => {
      const b = createStorage(device, label, floats * 4);
      this.extra.push(b);
      return b;
    };
    this.stats = mk('train.stats', 3);
    this.ring = Array.from({ length: MAX_STEPS_IN_FLIGHT }, (_, i) =>
      createBuffer(device, { label: `train.readback${i}`, size: 8, usage: USAGE.MAP_READ | USAGE.COPY_DST }),
    );
    this.readback = new Readback(device, 4, 'eval.readback');
    this.lastGood = model.lastGood; // the model's: the memory estimate counts it with the weights
    const normSq = mk('train.grad_norm_sq', 1);

    // Grad norm² over the whole gradient buffer, in views that fit the binding limit.
    const optOps: Op[] = [];
    const chunks = bindingChunks(device, model.grads, 0, total);
    const parts = mk('train.grad_norm_parts', Math.max(chunks.length, 1));
    chunks.forEach((c, i) => {
      const partials = mk(`train.grad_norm_partials${i}`, gradNormPartialsSize(c.floats));
      const out = chunks.length === 1 ? { buffer: normSq } : { buffer: parts, offset: 0, size: parts.size };
      if (chunks.length === 1) optOps.push(...gradNormSquared(device, out, { buffer: partials }, c.buf, c.floats));
      else {
        const one = mk(`train.grad_norm_chunk${i}`, 1);
        optOps.push(...gradNormSquared(device, { buffer: one }, { buffer: partials }, c.buf, c.floats));
        optOps.push({ copy: { src: { buffer: one }, dst: { buffer: parts, offset: i * 4 }, bytes: 4 } });
      }
    });
    if (chunks.length > 1) optOps.push(sumReduce(device, { buffer: normSq }, { buffer: parts }, chunks.length, 1));
    // stats = [loss, grad norm²]: the step's only read-back.
    optOps.push({ copy: { src: { buffer: this.acts.loss }, dst: { buffer: this.stats, offset: 0 }, bytes: 4 } });
    optOps.push({ copy: { src: { buffer: normSq }, dst: { buffer: this.stats, offset: 4 }, bytes: 4 } });
    // sticky = 0·(loss + grad norm² + sticky): 0 while all are finite, NaN from the first non-finite
    // step on (0·inf and 0·NaN are NaN), whatever later steps compute.
    const sticky = mk('train.sticky', 1);
    optOps.push(sumReduce(device, { buffer: sticky }, { buffer: this.stats }, 3, 0));
    optOps.push({ copy: { src: { buffer: sticky }, dst: { buffer: this.stats, offset: 8 }, bytes: 4 } });
    // Keep the weights this step started from if their loss and gradient norm are finite and no
    // earlier step diverged (before AdamW changes them).
    for (const c of bindingChunks(device, model.params, 0, total)) {
      const dst = { buffer: this.lastGood, offset: c.buf.offset, size: c.buf.size };
      optOps.push(guardedCopy(device, dst, c.buf, { buffer: this.stats }, c.floats, 3));
    }
    // AdamW: decayed tensors (matrices, embeddings) lie in [0, decayFloats), the rest after.
    const regions: [number, number, boolean][] = [
      [0, model.layout.decayFloats, true],
      [model.layout.decayFloats, total - model.layout.decayFloats, false],
    ];
    for (const [start, floats, decay] of regions) {
      for (const c of bindingChunks(device, model.params, start, floats)) {
        const at = (buffer: GPUBuffer) => ({ buffer, offset: c.buf.offset, size: c.buf.size });
        const opt = adamw(device, c.buf, at(model.grads), at(model.m), at(model.v), { buffer: normSq }, c.floats);
        optOps.push(opt.dispatch);
        this.optimizers.push({ setHyper: opt.setHyper, decay });
      }
    }

    this.trainOps = [...model.recordForward(this.acts, 'train', { dropout }), ...model.recordBackward(this.acts, { dropout }), ...optOps];
    this.evalOps = model.recordForward(this.acts, 'eval');
    // AdamW moments start at zero; the backup starts as the initial weights.
    submitOps(device, [{ clear: { buffer: model.m } }, { clear: { buffer: model.v } }, { copy: { src: { buffer: model.params }, dst: { buffer: this.lastGood }, bytes: total * 4 } }]);
  }

  /** The recorded training step, in order (for profiling: bench/profile-step.ts). */
  get stepOps(): readonly Op[] {
    return this.trainOps;
  }

  lrAt(step: number): number {
    const o = this.opts;
    return learningRate(step, { lr: o.lr, minLr: o.minLr, warmup: o.warmup, decaySteps: o.decaySteps ?? o.steps });
  }

  /** The dropout seed of step `step` (0-based): a function of (opts.seed, step) only, so runs repeat. */
  dropoutSeedAt(step: number): number {
    // murmur3's finaliser of seed·φ + step: a bijection of the step for a fixed seed.
    let h = (Math.imul(this.opts.seed >>> 0, 0x9e3779b1) + step) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  private upload(x: Uint32Array, y: Uint32Array): void {
    const d = this.model.device;
    writeArray(d, this.acts.tokens, 0, x);
    writeArray(d, this.acts.targets, 0, y);
    writeArray(d, this.acts.buckets, 0, packTokenBuckets(x));
  }

  /** One optimisation step: `submitStep()`, awaited. SYNC POINT: reads back the loss and grad norm. */
  async trainStep(): Promise<StepResult> {
    return this.submitStep();
  }

  /**
   * Encodes and submits the next step now and returns a promise for its result, so that up to
   * MAX_STEPS_IN_FLIGHT steps can be queued on the GPU:
   *   let prev = t.submitStep(); for (...) { const next = t.submitStep(); const r = await prev; ...; prev = next; }
   * Results settle in submission order. Throws at once if MAX_STEPS_IN_FLIGHT results are still
   * unread; rejects with DIVERGED when the step's (or an earlier step's) loss is non-finite.
   */
  submitStep(): Promise<StepResult> {
    if (this.divergedAt) return Promise.reject(this.divergedError(this.submitted + 1));
    if (this.inFlight >= MAX_STEPS_IN_FLIGHT) throw new Error(`Trainer: ${this.inFlight} steps are in flight already (at most ${MAX_STEPS_IN_FLIGHT}); await an earlier result first.`);
    const t0 = performance.now();
    const { device } = this.model;
    const o = this.opts;
    const index = this.submitted++; // 0-based
    const lr = this.lrAt(index);
    for (const opt of this.optimizers) {
      opt.setHyper({ lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: opt.decay ? o.weightDecay : 0, step: index + 1, maxGradNorm: o.gradClip });
    }
    const { x, y } = this.trainSampler.next();
    this.upload(x, y);
    if (this.acts.seed && (o.dropout ?? 0) > 0) writeArray(device, this.acts.seed, 0, Uint32Array.of(this.dropoutSeedAt(index)));
    const staging = this.ring[index % MAX_STEPS_IN_FLIGHT]!; // free: the step that used it last has been read
    const encoder = device.createCommandEncoder({ label: 'train_step' });
    encodeOps(encoder, this.trainOps, 'train_step');
    encoder.copyBufferToBuffer(this.stats, 0, staging, 0, 8);
    device.queue.submit([encoder.finish()]);
    this.model.weightsChanged();
    this.inFlight++;
    // SYNC POINT (when awaited): resolves once this step, and every step before it, ran on the GPU.
    const mapped = staging.mapAsync(1 /* GPUMapMode.READ */, 0, 8);
    mapped.catch(() => undefined); // a failure is reported by `result`, below
    const result = this.resultsDone.then(() => this.finish(mapped, staging, index, lr, t0));
    this.resultsDone = result.catch(() => undefined);
    return result;
  }

  /** Reads step `index`'s stats once the results before it are settled (so divergence is seen in order). */
  private async finish(mapped: Promise<void>, staging: GPUBuffer, index: number, lr: number, t0: number): Promise<StepResult> {
    let loss: number;
    let normSq: number;
    try {
      await mapped;
      const stats = new Float32Array(staging.getMappedRange(0, 8).slice(0));
      loss = stats[0]!;
      normSq = stats[1]!;
      staging.unmap();
    } finally {
      this.inFlight--;
    }
    if (this.divergedAt) throw this.divergedError(index + 1); // queued behind the diverged step: its update is void
    this.step = index + 1;
    if (!Number.isFinite(loss) || !Number.isFinite(normSq)) {
      this.divergedAt = this.step;
      // Queued after every step already submitted, so none of them can overwrite the restored weights.
      await this.restoreLastGood();
      throw new EngineError(
        'DIVERGED',
        `Training diverged at step ${this.step}: the loss became ${loss}. The weights were restored to the last step with a finite loss. Try a lower learning rate (now ${lr.toExponential(2)}) or stronger gradient clipping.`,
      );
    }
    return { step: this.step, loss, gradNorm: Math.sqrt(normSq), lr, ms: performance.now() - t0 };
  }

  private divergedError(step: number): EngineError {
    return new EngineError(
      'DIVERGED',
      `Training had diverged at step ${this.divergedAt}; step ${step} came after it and is void. The weights were restored to the last step with a finite loss; lower the learning rate and start again from them.`,
    );
  }

  private async restoreLastGood(): Promise<void> {
    const { device, params } = this.model;
    submitOps(device, [{ copy: { src: { buffer: this.lastGood }, dst: { buffer: params }, bytes: params.size } }]);
    this.model.weightsChanged();
    await device.queue.onSubmittedWorkDone();
  }

  /** The state after the last read step (weights apart). SYNC POINT; no step may be in flight. */
  async saveState(): Promise<TrainerState> {
    if (this.inFlight) throw new Error('Trainer.saveState: steps are in flight; read their results first.');
    const { device, m, v } = this.model;
    return { step: this.step, m: await readFloats(device, m!), v: await readFloats(device, v!) };
  }

  /**
   * Continues from a saved state: call on a fresh trainer whose model holds the weights saved with
   * it (they become the last-good backup). The batch sampler is replayed to the step, so the next
   * batches are the ones the uninterrupted run would have drawn.
   */
  restoreState(s: TrainerState): void {
    const total = this.model.layout.totalFloats;
    if (this.submitted) throw new Error('Trainer.restoreState: only a fresh trainer can be restored.');
    if (s.m.length !== total || s.v.length !== total) {
      throw new EngineError('BAD_CHECKPOINT', `The saved optimiser state holds ${s.m.length} floats but this model has ${total}: it belongs to another model.`);
    }
    if (!Number.isSafeInteger(s.step) || s.step < 0 || s.step > this.opts.steps) {
      throw new EngineError('BAD_CHECKPOINT', `The saved training state is at step ${s.step}, outside this run's 0..${this.opts.steps}.`);
    }
    const { device } = this.model;
    writeArray(device, this.model.m!, 0, s.m);
    writeArray(device, this.model.v!, 0, s.v);
    for (let i = 0; i < s.step; i++) this.trainSampler.next();
    this.step = this.submitted = s.step;
  }

  /** The trainer's batch buffers: a pass submitted by `submitEval` leaves its logits and targets there. */
  get activations(): Activations {
    return this.acts;
  }

  /**
   * The evaluation forward on one batch (x, y: B·T tokens each), then `after` (ops that read its
   * logits, e.g. the probe's scores), in one submit. No step may be in flight (call at an evaluation).
   */
  submitEval(x: Uint32Array, y: Uint32Array, after: readonly Op[]): void {
    if (this.inFlight) throw new Error('Trainer.submitEval: steps are in flight; read their results first.');
    this.upload(x, y);
    submitOps(this.model.device, [...this.evalOps, ...after], 'eval_probe');
  }

  /** Mean loss over `evalIters` batches of the validation split (or the training split). SYNC POINT per batch. */
  async evaluate(split: 'val' | 'train' = 'val', iters = this.opts.evalIters, seed = 1337): Promise<number> {
    const sampler = new BatchSampler(split === 'val' ? this.val : this.train, this.B, this.T, seed);
    let sum = 0;
    for (let i = 0; i < iters; i++) {
      const { x, y } = sampler.next();
      this.upload(x, y);
      submitOps(this.model.device, this.evalOps, 'eval');
      sum += (await this.readback.floats(this.acts.loss, 0, 1))[0]!;
    }
    return sum / iters;
  }

  destroy(): void {
    destroyOps(this.trainOps); // the uniform and scratch buffers the recorded dispatches own
    destroyOps(this.evalOps);
    this.model.destroyActivations(this.acts);
    for (const b of this.extra) b.destroy();
    for (const b of this.ring) b.destroy();
    this.readback.destroy();
  }
}
