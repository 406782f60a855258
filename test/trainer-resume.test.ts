/**
 * Resume training: a trainer restored from the saved state (weights, AdamW moments, step; the
 * schedule, batches and dropout masks follow from opts + step) continues with exactly the losses
 * of the uninterrupted run with the same seed, and the shared loop numbers its steps from there.
 */
import { describe, expect, it } from 'vitest';
import { readFloats } from '../src/gpu/buffers';
import type { GPTConfig } from '../src/model/config';
import { GPT } from '../src/model/gpt';
import { initParams, paramLayout } from '../src/model/params';
import { trainingSession } from '../src/model/session';
import { Trainer, type TrainOptions } from '../src/model/trainer';
import { testDevice } from './gpu';

const config: GPTConfig = { n_layer: 1, n_head: 2, n_embd: 32, block_size: 16, vocab_size: 11 };
const opts: TrainOptions = { batch: 3, seqLen: 16, steps: 17, lr: 1e-2, minLr: 1e-3, warmup: 3, weightDecay: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, gradClip: 1, evalIters: 2, seed: 5, dropout: 0.1 };
/** A learnable sequence with some noise, tokens 0..10. */
const data = Uint32Array.from({ length: 1500 }, (_, i) => ([1, 2, 3, 4, 5, 6, 7, 3, 2, 9, 10][i % 11]! + (i % 13 === 0 ? 1 : 0)) % 11);

function trainer(device: GPUDevice, weights: Float32Array): Trainer {
  const model = new GPT(device, config, { training: true });
  model.setWeights(weights);
  return new Trainer(model, data.subarray(0, 1300), data.subarray(1300), opts);
}

/** Step losses (by step number) of the shared loop, evaluating every 5 steps. */
async function losses(t: Trainer, stopAfter?: number): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const ctrl = new AbortController();
  for await (const ev of trainingSession(t, { evalEvery: 5, signal: ctrl.signal, evalAtStart: false })) {
    if (ev.kind === 'step') {
      out.set(ev.step, ev.loss);
      if (ev.step === stopAfter) ctrl.abort();
    }
  }
  return out;
}

describe('resume training', () => {
  it('a trainer restored from saved state continues with exactly the losses of an uninterrupted run', async () => {
    const device = await testDevice();
    const init = initParams(config, paramLayout(config), 3);

    const whole = trainer(device, init);
    const uninterrupted = await losses(whole);
    whole.destroy();
    whole.model.destroy();
    expect([...uninterrupted.keys()]).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));

    // Stop after step 7 (the loop drains what is in flight), save, throw everything away.
    const first = trainer(device, init);
    const before = await losses(first, 7);
    const saved = await first.saveState();
    const weights = await readFloats(device, first.model.params);
    first.destroy();
    first.model.destroy();
    expect(saved.step).toBe(Math.max(...before.keys()));

    const resumed = trainer(device, weights);
    resumed.restoreState(saved);
    const after = await losses(resumed);
    resumed.destroy();
    resumed.model.destroy();

    expect([...after.keys()]).toEqual(Array.from({ length: 17 - saved.step }, (_, i) => saved.step + i + 1));
    for (const [step, loss] of [...before, ...after]) {
      if (loss !== uninterrupted.get(step)) expect.fail(`step ${step}: resumed loss ${loss}, uninterrupted ${uninterrupted.get(step)}`);
    }
  });

  it('refuses a state saved for another model', async () => {
    const device = await testDevice();
    const t = trainer(device, initParams(config, paramLayout(config), 1));
    expect(() => t.restoreState({ step: 2, m: new Float32Array(5), v: new Float32Array(5) })).toThrow(/belongs to another model/);
    t.destroy();
    t.model.destroy();
  });
});
