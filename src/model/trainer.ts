/**
 * Training loop on the GPU: one command encoder and one submit per step
 * (upload batch -> forward -> backward -> grad norm -> AdamW), reading back only [loss, grad norm²].
 *
 * Divergence: each step copies the weights it started from into `lastGood` only if the loss and
 * gradient norm they produced are finite (a GPU-side guarded copy, no extra sync). When a non-finite loss is read, the
 * weights are restored from `lastGood` and a DIVERGED error is thrown.
 */
import { createStorage, Readback, writeArray } from '../gpu/buffers';
import { EngineError } from '../gpu/errors';
import { adamw, type AdamWHyper } from '../kernels/adamw';
import { packTokenBuckets } from '../kernels/encoder';
import { gradNormPartialsSize, gradNormSquared } from '../kernels/gradnorm';
import { guardedCopy } from '../kernels/guarded_copy';
import { sumReduce } from '../kernels/reduce';
import { BatchSampler } from './data';
import { bindingChunks, type Activations, type GPT } from './gpt';
import { encodeOps, submitOps, type Op } from './ops';
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
  seed: number;
}

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

export class Trainer {
  readonly B: number;
  readonly T: number;
  step = 0;
  private acts: Activations;
  private trainOps: Op[];
  private evalOps: Op[];
  private optimizers: { setHyper(h: AdamWHyper): void; decay: boolean }[] = [];
  private trainSampler: BatchSampler;
  private stats: GPUBuffer; // [loss, grad norm²]
  private lastGood: GPUBuffer;
  private readback: Readback; // 8 bytes: [loss, grad norm²], reused every step
  private extra: GPUBuffer[] = [];

  constructor(
    readonly model: GPT,
    private readonly train: Uint32Array,
    private readonly val: Uint32Array,
    readonly opts: TrainOptions,
  ) {
    const { device } = model;
    if (!model.grads || !model.m || !model.v) throw new Error('Trainer needs a model created with { training: true }');
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
    this.stats = mk('train.stats', 2);
    this.readback = new Readback(device, 8, 'train.readback');
    this.lastGood = mk('train.last_good', total);
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
    // Keep the weights this step started from if both their loss and gradient norm are finite
    // (before AdamW changes them).
    for (const c of bindingChunks(device, model.params, 0, total)) {
      const dst = { buffer: this.lastGood, offset: c.buf.offset, size: c.buf.size };
      optOps.push(guardedCopy(device, dst, c.buf, { buffer: this.stats }, c.floats, 2));
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

    this.trainOps = [...model.recordForward(this.acts, 'train'), ...model.recordBackward(this.acts), ...optOps];
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

  private upload(x: Uint32Array, y: Uint32Array): void {
    const d = this.model.device;
    writeArray(d, this.acts.tokens, 0, x);
    writeArray(d, this.acts.targets, 0, y);
    writeArray(d, this.acts.buckets, 0, packTokenBuckets(x));
  }

  /** One optimisation step. SYNC POINT: reads back the loss and grad norm. */
  async trainStep(): Promise<StepResult> {
    const t0 = performance.now();
    const { device } = this.model;
    const o = this.opts;
    const lr = this.lrAt(this.step);
    for (const opt of this.optimizers) {
      opt.setHyper({ lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: opt.decay ? o.weightDecay : 0, step: this.step + 1, maxGradNorm: o.gradClip });
    }
    const { x, y } = this.trainSampler.next();
    this.upload(x, y);
    const encoder = device.createCommandEncoder({ label: 'train_step' });
    encodeOps(encoder, this.trainOps, 'train_step');
    device.queue.submit([encoder.finish()]);
    const [loss, normSq] = await this.readback.floats(this.stats, 0, 2);
    this.step++;
    if (!Number.isFinite(loss!) || !Number.isFinite(normSq!)) {
      await this.restoreLastGood();
      throw new EngineError(
        'DIVERGED',
        `Training diverged at step ${this.step}: the loss became ${loss}. The weights were restored to the last step with a finite loss. Try a lower learning rate (now ${lr.toExponential(2)}) or stronger gradient clipping.`,
      );
    }
    return { step: this.step, loss: loss!, gradNorm: Math.sqrt(normSq!), lr, ms: performance.now() - t0 };
  }

  private async restoreLastGood(): Promise<void> {
    const { device, params } = this.model;
    submitOps(device, [{ copy: { src: { buffer: this.lastGood }, dst: { buffer: params }, bytes: params.size } }]);
    await device.queue.onSubmittedWorkDone();
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
    this.model.destroyActivations(this.acts);
    for (const b of this.extra) b.destroy();
    this.readback.destroy();
  }
}
