/** Training loop behaviour: learning, divergence handling with the last good weights kept. */
import { describe, expect, it } from 'vitest';
import { readFloats, writeArray } from '../gpu/buffers';
import { EngineError } from '../errors';
import { testDevice } from '../../test/gpu';
import type { GPTConfig } from './config';
import { BatchSampler } from './data';
import { GPT } from './gpt';
import { submitOps } from './ops';
import { initParams } from './params';
import { Trainer, type TrainOptions } from './trainer';

const config: GPTConfig = { n_layer: 2, n_head: 2, n_embd: 32, block_size: 16, vocab_size: 11 };
const base: TrainOptions = { batch: 4, seqLen: 16, steps: 60, lr: 1e-2, minLr: 1e-3, warmup: 5, weightDecay: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, gradClip: 1, evalIters: 4, seed: 9 };

/** A periodic sequence: learnable, so the loss must fall far below ln(V). */
function periodic(n: number): Uint32Array {
  const pattern = [1, 2, 3, 4, 5, 6, 7, 3, 2, 9];
  return Uint32Array.from({ length: n }, (_, i) => pattern[i % pattern.length]!);
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
    const sampler = new BatchSampler(data, opts.batch, 16, opts.seed);
    let batch = sampler.next();
    for (let i = 1; i < losses.length; i++) batch = sampler.next();
    const acts = model.allocActivations(opts.batch, 16, false);
    writeArray(device, acts.tokens, 0, batch.x);
    writeArray(device, acts.targets, 0, batch.y);
    submitOps(device, model.recordForward(acts, 'eval'));
    const loss = (await readFloats(device, acts.loss, 0, 1))[0]!;
    expect(Math.abs(loss - losses.at(-1)!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(loss)));
    model.destroyActivations(acts);
    trainer.destroy();
    model.destroy();
  });
});
