/**
 * Training throughput in the page, three ways on one adapter, same config, weights and batches:
 * - ours: the product's worker through Comlink (EngineApi.startTraining), timed here from the
 *   arrival of its step events;
 * - direct: src/model's Trainer and training loop (trainingSession, the loop the worker runs) on
 *   the page's own GPUDevice, timed the same way from its step events;
 * - peer: the TensorFlow.js GPT step of bench/tfjs-gpt.ts, one synced step at a time.
 * Each round runs the three one after the other (every other round in reverse order), so load from
 * other processes falls on all three; a rate is the tokens of all timed steps over their wall
 * time, summed over rounds; a ratio is the median over rounds of the two runs' ratio (pairedRatio).
 */
import { atOnce, streamCall, type Engine } from '../../src/workers/bridge';
import type { Corpus } from '../../src/workers/engine/corpus';
import type { OnEvent, Recipe, TrainEvent } from '../../src/workers/api';
import { BatchSampler } from '../../src/model/data';
import { GPT } from '../../src/model/gpt';
import { initParams, paramLayout } from '../../src/model/params';
import { recipeConfig, recipeTrainOptions, trainingSession } from '../../src/model/session';
import { Trainer } from '../../src/model/trainer';
import { TfjsGpt, type TfjsHyper } from '../tfjs-gpt';
import type { TrainRow } from './report';
import { log, pairedRatio, Tally, TimedWindow } from './timing';

type Tf = ConstructorParameters<typeof TfjsGpt>[0];

/** TensorFlow.js's optimiser settings, as bench/model.ts: AdamW betas, eps, decay and clipping as our recipes (its lr is constant). */
const HYPER: TfjsHyper = { lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, gradClip: 1 };

export interface TrainPlan {
  /** Steps before the timed window (pipelines, first touches, the loop filling up), then timed steps, per round. */
  warmup: number;
  steps: number;
  peerWarmup: number;
  peerSteps: number;
  rounds: number;
}

export interface TrainCase {
  model: string;
  /** The run's recipe: its steps are never reached (the run is stopped once the window closes). */
  recipe: Recipe;
  plan: TrainPlan;
}

/**
 * One worker run: startTraining, stopped once the window is about to close. The stop is sent when
 * the step before the last arrives: the worker sees it at its next step boundary, after the last
 * step was submitted, so the run ends with one step beyond the window (drained, as the direct
 * loop's abort does) instead of two.
 */
async function throughWorker(engine: Engine, c: TrainCase): Promise<{ n: number; ms: number; firstLoss: number }> {
  const w = new TimedWindow(c.plan.warmup, c.plan.warmup + c.plan.steps);
  let firstLoss = NaN;
  let stopped = false;
  const onEvent = (e: TrainEvent) => {
    const t = performance.now();
    if (e.kind !== 'steps' || e.steps.length === 0) return;
    const one = e.steps.find((p) => p.step === 1);
    if (one) firstLoss = one.loss;
    const last = e.steps.at(-1)!.step;
    w.see(last, t);
    if (!stopped && last >= w.to - 1) {
      stopped = true;
      void engine.stopTraining();
    }
  };
  // Events are timed as they arrive (atOnce); streamCall resolves once the last has.
  const r = await streamCall((cb: OnEvent<TrainEvent>) => engine.startTraining(c.recipe, `bench ${c.model}`, cb), (batch) => batch.forEach(onEvent), atOnce);
  if (r.reason !== 'stopped') throw new Error(`the worker's run ended '${r.reason}' before it was stopped${r.message ? `: ${r.message}` : ''}`);
  return { ...w.result(), firstLoss };
}

/** The same run on the page's device: the loop the worker runs, without the worker. */
async function direct(device: GPUDevice, corpus: Corpus, c: TrainCase): Promise<{ n: number; ms: number; firstLoss: number }> {
  const config = recipeConfig(c.recipe, corpus.tokenizer.vocabSize);
  const model = new GPT(device, config, { training: true });
  let trainer: Trainer | undefined;
  try {
    model.setWeights(initParams(config, model.layout, c.recipe.seed));
    trainer = new Trainer(model, corpus.train, corpus.val, recipeTrainOptions(c.recipe));
    const w = new TimedWindow(c.plan.warmup, c.plan.warmup + c.plan.steps);
    const stop = new AbortController();
    let firstLoss = NaN;
    // The worker's run evaluates before step 1 too; outside the timed window, so skipped here.
    for await (const ev of trainingSession(trainer, { evalEvery: c.recipe.evalEvery, signal: stop.signal, evalAtStart: false })) {
      if (ev.kind !== 'step') continue;
      if (ev.step === 1) firstLoss = ev.loss;
      if (!w.closed && w.see(ev.step)) stop.abort(); // the loop drains what is in flight, as the worker's does
    }
    return { ...w.result(), firstLoss };
  } finally {
    trainer?.destroy();
    model.destroy();
  }
}

/** TensorFlow.js: the same weights and the batches our Trainer draws (same sampler, same seed); steps synced one by one. */
async function peerRun(tf: Tf, corpus: Corpus, c: TrainCase): Promise<{ n: number; ms: number; firstLoss: number }> {
  const config = recipeConfig(c.recipe, corpus.tokenizer.vocabSize);
  const layout = paramLayout(config);
  const { batch: B, block_size: T, seed } = c.recipe;
  const peer = new TfjsGpt(tf, config, layout, initParams(config, layout, seed), B, T, HYPER);
  try {
    const sampler = new BatchSampler(corpus.train, B, T, seed);
    let n = 0;
    let ms = 0;
    let firstLoss = NaN;
    for (let i = 0; i < c.plan.peerWarmup + c.plan.peerSteps; i++) {
      const { x, y } = sampler.next();
      const t0 = performance.now();
      const loss = await peer.step(x, y);
      const dt = performance.now() - t0;
      if (i === 0) firstLoss = loss;
      if (i >= c.plan.peerWarmup) {
        n++;
        ms += dt;
      }
    }
    return { n, ms, firstLoss };
  } finally {
    peer.dispose();
  }
}

export async function trainCase(engine: Engine, device: GPUDevice, tf: Tf | string, corpus: Corpus, c: TrainCase): Promise<TrainRow> {
  const { batch: B, block_size: T } = c.recipe;
  const ours = new Tally();
  const dir = new Tally();
  const peer = new Tally();
  const first = { ours: NaN, direct: NaN, peer: null as number | null };
  let peerError = typeof tf === 'string' ? tf : undefined;
  const tokens = (r: { n: number; ms: number }) => ((r.n * B * T * 1000) / r.ms).toFixed(1);
  const runs: (() => Promise<void>)[] = [
    async () => {
      const o = await throughWorker(engine, c);
      ours.add(o);
      first.ours = o.firstLoss;
      log(`${c.model}: worker ${o.n} steps in ${o.ms.toFixed(0)} ms (${tokens(o)} tokens/s), first loss ${o.firstLoss.toFixed(4)}`);
    },
    async () => {
      const d = await direct(device, corpus, c);
      dir.add(d);
      first.direct = d.firstLoss;
      log(`${c.model}: direct ${d.n} steps in ${d.ms.toFixed(0)} ms (${tokens(d)} tokens/s), first loss ${d.firstLoss.toFixed(4)}`);
    },
    async () => {
      if (typeof tf === 'string' || peerError) return;
      try {
        const p = await peerRun(tf, corpus, c);
        peer.add(p);
        first.peer = p.firstLoss;
        log(`${c.model}: tfjs ${p.n} steps in ${p.ms.toFixed(0)} ms (${tokens(p)} tokens/s), first loss ${p.firstLoss.toFixed(4)}`);
      } catch (e) {
        peerError = (e as Error).message ?? String(e);
        log(`${c.model}: TensorFlow.js failed: ${peerError}`);
      }
    },
  ];
  // Every other round in reverse order, so that a load that rises or falls during a case falls on all three alike.
  for (let round = 1; round <= c.plan.rounds; round++) {
    for (const run of round % 2 ? runs : [...runs].reverse()) await run();
  }
  const oursRate = ours.rate(B * T);
  const directRate = dir.rate(B * T);
  const peerRate = peer.n > 0 && !peerError ? peer.rate(B * T) : null;
  const row: TrainRow = {
    model: c.model,
    B,
    T,
    ours_tokens_per_s: oursRate,
    direct_tokens_per_s: directRate,
    peer_tokens_per_s: peerRate,
    ratio: peerRate == null ? null : pairedRatio(ours, peer),
    page_overhead: 1 - pairedRatio(ours, dir),
    steps: ours.n,
    peer_steps: peer.n,
    rounds: c.plan.rounds,
    first_loss: first,
  };
  if (peerError) row.peer_error = peerError;
  return row;
}
