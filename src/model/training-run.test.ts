/** A training run as the worker and the CLI drive it: hooks in order, samples, saves, a resumed run continuing the same losses, stop. */
import { describe, expect, it } from 'vitest';
import { gpuBytesInUse } from '../gpu/buffers';
import { testDevice } from '../../test/gpu';
import type { GPTConfig } from './config';
import { CharTokenizer } from './tokenizer';
import type { TrainOptions } from './trainer';
import { TrainingRun, type RunEvalEvent, type RunSave, type RunStart, type RunStepEvent } from './training-run';

const text = 'to be or not to be\nthat is the question\n'.repeat(40);
const tokenizer = CharTokenizer.fromCorpus(text);
const tokens = Uint32Array.from(tokenizer.encode(text));
const config: GPTConfig = { n_layer: 1, n_head: 2, n_embd: 16, block_size: 8, vocab_size: tokenizer.vocabSize };
const opts: TrainOptions = { batch: 3, seqLen: 8, steps: 4, lr: 1e-2, minLr: 1e-3, warmup: 1, weightDecay: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, gradClip: 1, evalIters: 2, seed: 5 };
const start: RunStart = { config, opts, train: tokens.subarray(0, 1200), val: tokens.subarray(1200), tokenizer };

/** Runs to the end, recording every hook call and a 5-character sample per evaluation; `saveAt` saves (weights and state) inside that step's evaluation. */
async function record(run: TrainingRun, saveAt?: number, signal?: AbortSignal) {
  const steps: RunStepEvent[] = [];
  const evals: RunEvalEvent[] = [];
  const samples: string[] = [];
  let saved: RunSave | undefined;
  const end = await run.run(
    {
      onStep: (ev) => steps.push(ev),
      onEvaluation: async (ev) => {
        evals.push(ev);
        samples.push(await run.sample(5));
        if (ev.step === saveAt) saved = await run.save();
      },
    },
    { evalEvery: 2, signal },
  );
  return { steps, evals, samples, saved, end };
}

describe('TrainingRun', () => {
  it('calls onStep per step and onEvaluation per evaluation (where it may sample), and ends finished', async () => {
    const device = await testDevice();
    const run = await TrainingRun.allocate(device, start, 'test');
    const { steps, evals, samples, saved, end } = await record(run, 2);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(evals.map((e) => e.step)).toEqual([0, 2, 4]);
    expect(samples).toHaveLength(3);
    for (const s of samples) expect([...s]).toHaveLength(5);
    expect(samples[2]).not.toBe(samples[0]); // trained weights, other text (the seed is fixed)
    expect(end).toEqual({ reason: 'finished', step: 4 });
    expect(saved!.state!.step).toBe(2); // steps left: the state goes with the weights
    expect((await run.save()).state).toBeUndefined(); // finished: nothing to resume
    run.destroy();
  });

  it('resumed from a save, takes the steps the uninterrupted run took and skips the saved evaluation', async () => {
    const device = await testDevice();
    const first = await TrainingRun.allocate(device, start, 'test');
    const whole = await record(first, 2);
    first.destroy();
    const resumed = await TrainingRun.allocate(device, { ...start, weights: whole.saved!.params, state: whole.saved!.state }, 'test');
    expect(resumed.step).toBe(2);
    const rest = await record(resumed);
    expect(rest.steps.map((s) => s.step)).toEqual([3, 4]);
    expect(rest.steps.map((s) => s.loss)).toEqual(whole.steps.slice(2).map((s) => s.loss));
    expect(rest.evals.map((e) => e.step)).toEqual([4]);
    expect(rest.evals[0]!.valLoss).toBe(whole.evals[2]!.valLoss);
    resumed.destroy();
  });

  it('scores the probe at each evaluation without changing the run: the same losses as without it, and the loss falls on the probe', async () => {
    const device = await testDevice();
    const plain = await TrainingRun.allocate(device, start, 'test');
    const without = await record(plain);
    plain.destroy();
    const probed = await TrainingRun.allocate(device, { ...start, probe: start.val.subarray(0, 20) }, 'test');
    expect(probed.probePositions).toBe(19);
    const nll: number[] = [];
    const steps: RunStepEvent[] = [];
    const evals: RunEvalEvent[] = [];
    await probed.run(
      {
        onStep: (ev) => steps.push(ev),
        onEvaluation: async (ev) => {
          evals.push(ev);
          const { p } = (await probed.probeScores())!;
          nll.push(p.reduce((sum, x) => sum - Math.log(x), 0) / p.length);
        },
      },
      { evalEvery: 2 },
    );
    expect(steps.map((s) => s.loss)).toEqual(without.steps.map((s) => s.loss));
    expect(evals.map((e) => e.valLoss)).toEqual(without.evals.map((e) => e.valLoss));
    expect(nll).toHaveLength(3);
    expect(nll[2]!).toBeLessThan(nll[0]!); // maximum likelihood: the held-out text got more probability
    probed.destroy();
  });

  it('stops at the next step boundary when aborted, and frees every buffer it made (the probe\'s too)', async () => {
    const device = await testDevice();
    (await TrainingRun.allocate(device, start, 'test')).destroy(); // makes the kernels' per-device placeholders
    const before = gpuBytesInUse(device);
    const run = await TrainingRun.allocate(device, { ...start, probe: start.val.subarray(0, 30) }, 'test');
    const abort = new AbortController();
    abort.abort();
    const { steps, evals, end } = await record(run, undefined, abort.signal);
    expect([steps.length, evals.length]).toEqual([0, 0]);
    expect(end).toEqual({ reason: 'stopped', step: 0 });
    run.destroy();
    expect(gpuBytesInUse(device)).toBe(before);
  });
});
