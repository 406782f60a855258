/** Training loop behaviour: learning, steps in flight, dropout, divergence handling with the last good weights kept. */
import { describe, expect, it } from 'vitest';
import { readFloats, writeArray } from '../gpu/buffers';
import { EngineError } from '../errors';
import { testDevice } from '../../test/gpu';
import type { GPTConfig } from './config';
import { BatchSampler } from './data';
import { GPT } from './gpt';
import { submitOps } from './ops';
import { initParams } from './params';
import { MAX_STEPS_IN_FLIGHT, Trainer, type StepResult, type TrainOptions } from './trainer';

const config: GPTConfig = { n_layer: 2, n_head: 2, n_embd: 32, block_size: 16, vocab_size: 11 };
const base: TrainOptions = { batch: 4, seqLen: 16, steps: 60, lr: 1e-2, minLr: 1e-3, warmup: 5, weightDecay: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, gradClip: 1, evalIters: 4, seed: 9 };

/** A periodic sequence: learnable, so the loss must fall far below ln(V). */
function periodic(n: number): Uint32Array {
  const pattern = [1, 2, 3, 4, 5, 6, 7, 3, 2, 9];
  return Uint32Array.from({ length: n }, (_, i) => pattern[i % pattern.length]!);
}

/** Runs `steps` steps with `depth` more in flight than the one being read (0: one at a time). */
async function run(trainer: Trainer, steps: number, depth: number): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const pending: Promise<StepResult>[] = [];
  for (let i = 0; i < steps; i++) {
    pending.push(trainer.submitStep());
    if (pending.length > depth) results.push(await pending.shift()!);
  }
  for (const p of pending) results.push(await p);
  return results;
}

/** A fresh model with the seeded initial weights and its trainer. */
function setup(device: GPUDevice, opts: TrainOptions, data: Uint32Array, seed = 1): { model: GPT; trainer: Trainer } {
  const model = new GPT(device, config, { training: true });
  model.setWeights(initParams(config, model.layout, seed));
  return { model, trainer: new Trainer(model, data.subarray(0, 1800), data.subarray(1800), opts) };
}

/** The weights reproduce `loss` on the batch of step `step` (1-based) of `opts`' sampler. */
async function expectLossOnBatch(device: GPUDevice, model: GPT, data: Uint32Array, opts: TrainOptions, step: number, loss: number): Promise<void> {
  const sampler = new BatchSampler(data, opts.batch, 16, opts.seed);
  let batch = sampler.next();
  for (let i = 1; i < step; i++) batch = sampler.next();
  const acts = model.allocActivations(opts.batch, 16, false);
  writeArray(device, acts.tokens, 0, batch.x);
  writeArray(device, acts.targets, 0, batch.y);
  submitOps(device, model.recordForward(acts, 'eval'));
  const got = (await readFloats(device, acts.loss, 0, 1))[0]!;
  expect(Math.abs(got - loss)).toBeLessThan(1e-3 * Math.max(1, Math.abs(loss)));
  model.destroyActivations(acts);
}

describe('Trainer', () => {
  it('learns a periodic sequence (train and val loss fall far below ln V)', async () => {
    const device = await testDevice();
    const model = new GPT(device, config, { training: true });
    model.setWeights(initParams(config, model.layout, 1));
    const data = periodic(2000);
    const trainer = new Trainer(model, data.subarray(0, 1800), data.subarray(1800), base);
    const before = await trainer.evaluate('val');
    expect(before).toBeGreaterThan(Math.log(config.vocab_size) - 0.3);
    for (let i = 0; i < base.steps; i++) await trainer.trainStep();
    expect(await trainer.evaluate('val')).toBeLessThan(0.3);
    trainer.destroy();
    model.destroy();
  });

  it('stops with DIVERGED on a non-finite loss and restores the weights of the last finite step', async () => {
    const device = await testDevice();
    const model = new GPT(device, config, { training: true });
    model.setWeights(initParams(config, model.layout, 2));
    const data = periodic(2000);
    // An absurd learning rate without clipping: weights blow up within a few steps.
    const opts = { ...base, lr: 1e6, minLr: 1e6, warmup: 0, gradClip: 0 };
    const trainer = new Trainer(model, data, data, opts);
    const losses: number[] = [];
    let err: unknown;
    for (let i = 0; i < 50 && !err; i++) {
      try {
        losses.push((await trainer.trainStep()).loss);
      } catch (e) {
        err = e;
      }
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('DIVERGED');
    expect((err as Error).message).toMatch(/restored/);
    expect(losses.length).toBeGreaterThan(0);
    // The restored weights are finite and reproduce the last finite loss on that step's batch.
    const w = await readFloats(device, model.params);
    expect(w.every((x) => Number.isFinite(x))).toBe(true);
    await expectLossOnBatch(device, model, data, opts, losses.length, losses.at(-1)!);
    trainer.destroy();
    model.destroy();
  });

  it('with steps in flight: exactly the losses, learning rates and weights of the sequential run (with dropout)', async () => {
    const device = await testDevice();
    const data = periodic(2000);
    const opts = { ...base, steps: 10, dropout: 0.1 };
    const a = setup(device, opts, data);
    const b = setup(device, opts, data);
    const sequential = await run(a.trainer, opts.steps, 0);
    const inFlight = await run(b.trainer, opts.steps, 2);
    expect(inFlight.map((r) => r.loss)).toEqual(sequential.map((r) => r.loss));
    expect(inFlight.map((r) => [r.step, r.lr])).toEqual(sequential.map((r, i) => [i + 1, a.trainer.lrAt(i)]));
    expect(b.trainer.step).toBe(opts.steps);
    expect(Array.from(await readFloats(device, b.model.params))).toEqual(Array.from(await readFloats(device, a.model.params)));
    // The ring holds MAX_STEPS_IN_FLIGHT unread results; one more is refused before anything is submitted.
    const queued = Array.from({ length: MAX_STEPS_IN_FLIGHT }, () => b.trainer.submitStep());
    expect(() => b.trainer.submitStep()).toThrow(/in flight/);
    expect((await Promise.all(queued)).map((r) => r.step)).toEqual([11, 12, 13]);
    for (const t of [a, b]) {
      t.trainer.destroy();
      t.model.destroy();
    }
  });

  it('dropout changes training losses, per step and deterministically, and never evaluation', async () => {
    const device = await testDevice();
    const data = periodic(2000);
    const none = setup(device, { ...base, steps: 2 }, data);
    const dropped = setup(device, { ...base, steps: 2, dropout: 0.2 }, data);
    expect(await dropped.trainer.evaluate('val')).toBe(await none.trainer.evaluate('val'));
    const [n, d] = [await run(none.trainer, 2, 0), await run(dropped.trainer, 2, 0)];
    expect(d[0]!.loss).not.toBe(n[0]!.loss);
    expect(dropped.trainer.dropoutSeedAt(0)).not.toBe(dropped.trainer.dropoutSeedAt(1));
    expect(() => new Trainer(none.model, data, data, { ...base, dropout: 1 })).toThrow(/dropout/);
    for (const t of [none, dropped]) {
      t.trainer.destroy();
      t.model.destroy();
    }
  });

  it('with steps in flight, a divergence restores the last good weights and voids the steps queued behind it', async () => {
    const device = await testDevice();
    const data = periodic(2000);
    const opts = { ...base, lr: 1e6, minLr: 1e6, warmup: 0, gradClip: 0 };
    const { model, trainer } = setup(device, opts, data, 2);
    const losses: number[] = [];
    const pending: Promise<StepResult>[] = [];
    let err: unknown;
    for (let i = 0; i < 50 && !err; i++) {
      pending.push(trainer.submitStep());
      if (pending.length > 2) {
        try {
          losses.push((await pending.shift()!).loss);
        } catch (e) {
          err = e;
        }
      }
    }
    expect((err as EngineError).code).toBe('DIVERGED');
    expect(losses.length).toBeGreaterThan(0);
    // The two steps submitted after the diverged one, and any new step, reject too.
    const rest = await Promise.allSettled([...pending, trainer.submitStep()]);
    expect(rest.map((r) => r.status === 'rejected' && (r.reason as EngineError).code)).toEqual(['DIVERGED', 'DIVERGED', 'DIVERGED']);
    expect(trainer.step).toBe(losses.length + 1);
    // The restored weights are finite and those of the last step reported finite.
    const w = await readFloats(device, model.params);
    expect(w.every((x) => Number.isFinite(x))).toBe(true);
    await expectLossOnBatch(device, model, data.subarray(0, 1800), opts, losses.length, losses.at(-1)!);
    trainer.destroy();
    model.destroy();
  });
});
