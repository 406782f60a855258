/**
 * Training in the worker: a new model on the current corpus, driven by the shared loop
 * (src/model/session.ts). Step metrics are batched (one message per ~100 ms, not per step); each
 * evaluation adds a short sample from the current weights. When training ends or is stopped, the
 * weights of the last completed step become the model that generates.
 */
import { EngineError } from '../../errors';
import type { GpuContext } from '../../gpu/device';
import { readFloats } from '../../gpu/buffers';
import { openErrorScopes } from '../../gpu/device';
import { countParams, validateConfig, type GPTConfig } from '../../model/config';
import { estimateBuffers } from '../../model/memory';
import { Decoder } from '../../model/generate';
import { GPT } from '../../model/gpt';
import { initParams } from '../../model/params';
import type { Recipe } from '../../model/presets';
import { PauseGate, recipeConfig, recipeTrainOptions, trainingSession } from '../../model/session';
import { Trainer, type TrainerState } from '../../model/trainer';
import type { CorpusSummary, MemoryPlan, OnEvent, StepPoint, TrainEvent, TrainHistory, TrainResult } from '../api';
import { checkLongEnough, currentCorpus, setCorpusText, type Corpus } from './corpus';
import { sampleText, traceTokens } from './generation';
import * as library from './library';
import { install } from './models';
import { eventStream } from './stream';

/** Characters of text sampled at each evaluation. */
const SAMPLE_CHARS = 240;
/** Tokens of the probe text whose attention is shown at each evaluation. */
const PROBE_TOKENS = 48;
/** Step metrics cross to the UI at most this often. */
const FLUSH_MS = 100;

let gate: PauseGate | undefined;
/** Library id of the model being trained (deleting it is refused while training runs). */
let trainingId: string | undefined;

export function trainingModelId(): string | undefined {
  return trainingId;
}
let onState: ((e: TrainEvent) => void) | undefined;

export function pause(): void {
  if (!gate || gate.paused) return;
  gate.pause();
  onState?.({ kind: 'state', state: 'paused' });
}

export function resume(): void {
  if (!gate?.paused) return;
  gate.resume();
  onState?.({ kind: 'state', state: 'running' });
}

/** What the recipe needs on this adapter, before anything is allocated. */
export function plan(recipe: Recipe, limits: GPUSupportedLimits): MemoryPlan {
  const vocab = tryVocab();
  const config = recipeConfig(recipe, vocab);
  const lim = { maxBufferSize: limits.maxBufferSize, maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize };
  const bytes = { weights: 0, gradients: 0, adam: 0, backup: 0, activations: 0, total: 0 };
  let problem: MemoryPlan['problem'];
  let params = 0;
  try {
    validateConfig(config); // shape first: the estimate needs a well-formed config
    params = countParams(config);
    for (const b of estimateBuffers(config, recipe.batch, recipe.block_size)) {
      if (b.kind === 'batch') bytes.activations += b.bytes * b.count;
      else if (b.count === 1) bytes.weights += b.bytes;
      else {
        // gradients, the two Adam moments and the last-good backup: one parameter-sized buffer each
        bytes.gradients += b.bytes;
        bytes.adam += 2 * b.bytes;
        bytes.backup += b.bytes * (b.count - 3);
      }
    }
    bytes.total = bytes.weights + bytes.gradients + bytes.adam + bytes.backup + bytes.activations;
    validateConfig(config, lim, recipe.batch, recipe.block_size);
    if (!(recipe.dropout >= 0 && recipe.dropout < 1)) throw new EngineError('BAD_CONFIG', `Dropout must be at least 0 and below 1, but it is ${recipe.dropout}.`);
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    problem = { code: e.code === 'TOO_LARGE' ? 'TOO_LARGE' : 'BAD_CONFIG', message: e.message };
  }
  return { params, bytes, limits: lim, problem };
}

function tryVocab(): number {
  try {
    return currentCorpus().tokenizer.vocabSize;
  } catch {
    return 65; // no corpus yet: plan for Shakespeare's characters
  }
}

/** Where a run starts: the recipe's seeded initial weights, or a saved run (weights, trainer state, history). */
interface RunStart {
  id: string;
  name: string;
  recipe: Recipe;
  corpus: Corpus;
  resume?: { weights: Float32Array; state: TrainerState; history: TrainHistory };
}

/** A new model on the current corpus. */
export function train(c: GpuContext, recipe: Recipe, name: string, signal: AbortSignal, onEvent: OnEvent<TrainEvent>): Promise<TrainResult> {
  return run(c, { id: library.newId(), name, recipe, corpus: currentCorpus() }, signal, onEvent);
}

/**
 * A model trained here, continued from its last save: the weights, AdamW state and step, the
 * recipe, and the corpus (which becomes the current one). Its saved curve and samples are
 * emitted first, so the chart continues; its saves go on replacing the same library record.
 */
export async function resumeSaved(c: GpuContext, id: string, signal: AbortSignal, onEvent: OnEvent<TrainEvent>): Promise<TrainResult & { corpus: CorpusSummary; recipe: Recipe }> {
  const { ck, name } = await library.load(id);
  const { training, corpus: saved } = await library.loadTraining(id);
  if (training.state.step >= training.recipe.steps) {
    throw new EngineError('BAD_CONFIG', `“${name}” finished all its ${training.recipe.steps} steps; there is nothing left to resume. Train a new model to go further.`);
  }
  const corpus = setCorpusText(saved.name, saved.text, ck.tokenizer);
  const result = await run(c, { id, name, recipe: training.recipe, corpus, resume: { weights: ck.params, state: training.state, history: training.history } }, signal, onEvent);
  return { ...result, corpus: corpus.summary, recipe: training.recipe };
}

async function run(c: GpuContext, start: RunStart, signal: AbortSignal, onEvent: OnEvent<TrainEvent>): Promise<TrainResult> {
  const events = eventStream(onEvent);
  const emit = events.emit;
  const { recipe, corpus, name, resume } = start;
  checkLongEnough(corpus, recipe.block_size);
  const config: GPTConfig = recipeConfig(recipe, corpus.tokenizer.vocabSize);
  const opts = recipeTrainOptions(recipe);
  validateConfig(config, c.device.limits, opts.batch, opts.seqLen); // TOO_LARGE before any allocation
  // The run's buffers (weights, gradients, AdamW moments, activations, decoder) are made inside
  // error scopes, checked before the first step: the device's out-of-memory is OUT_OF_MEMORY.
  const scopes = openErrorScopes(c.device, `allocating “${name}” for training`);
  let model: GPT;
  try {
    model = new GPT(c.device, config, { training: true });
  } catch (e) {
    scopes.close();
    throw e;
  }
  let trainer: Trainer | undefined;
  let decoder: Decoder | undefined;
  gate = new PauseGate();
  onState = emit;
  let pending: StepPoint[] = [];
  let lastFlush = 0;
  const flush = () => {
    if (pending.length) emit({ kind: 'steps', steps: pending });
    pending = [];
    lastFlush = performance.now();
  };
  // The curve and samples so far, saved with the weights (a resumed run's chart continues).
  const history: TrainHistory = { steps: [...(resume?.history.steps ?? [])], evals: [...(resume?.history.evals ?? [])] };
  const elapsedBefore = history.steps.at(-1)?.elapsedMs ?? 0;
  let steps = resume?.state.step ?? 0;
  let valLoss: number | undefined = history.evals.at(-1)?.valLoss;
  const id = (trainingId = start.id);
  let corpusSaved = resume !== undefined; // the corpus text goes with the first save only
  /**
   * Keeps the current weights in the library with the training state (one transaction);
   * storage trouble is reported, training goes on.
   */
  const keep = async (step: number) => {
    const params = await readFloats(c.device, model.params);
    // No steps are in flight at an evaluation or the end; after a divergence there may be, and a
    // finished run has nothing to resume: then the weights only, and any older training state
    // (twice the weights, and no longer theirs) is dropped in the same transaction.
    const state = step < recipe.steps ? await trainer?.saveState().catch(() => undefined) : undefined;
    try {
      const training = state ? { recipe, state, history, corpus: corpusSaved ? undefined : { name: corpus.name, text: corpus.text } } : 'drop';
      await library.save(id, { config, tokenizer: corpus.tokenizer, params }, { name, source: 'trained', valLoss, step, totalSteps: recipe.steps, corpus: corpus.name }, training);
      corpusSaved ||= state !== undefined;
      emit({ kind: 'saved', step, id });
    } catch (e) {
      emit({ kind: 'alert', message: (e as Error).message });
    }
    return params;
  };
  const finish = async (reason: TrainResult['reason'], message?: string): Promise<TrainResult> => {
    flush();
    const params = await keep(steps);
    const info = install({ config, tokenizer: corpus.tokenizer, params }, name, c, valLoss, id);
    await library.setActive(id).catch(() => undefined);
    return { reason, steps, model: info, message, events: events.sent };
  };
  try {
    model.setWeights(resume?.weights ?? initParams(config, model.layout, recipe.seed));
    trainer = new Trainer(model, corpus.train, corpus.val, opts);
    if (resume) {
      trainer.restoreState(resume.state);
      emit({ kind: 'resumed', step: resume.state.step, corpus: corpus.summary, recipe, name });
      emit({ kind: 'steps', steps: history.steps });
      for (const e of history.evals) emit({ kind: 'eval', ...e });
    }
    decoder = new Decoder(model);
    await scopes.check();
    const probeIds = Array.from(corpus.val.subarray(0, Math.min(PROBE_TOKENS, recipe.block_size)));
    emit({ kind: 'state', state: 'running' });
    for await (const ev of trainingSession(trainer, { evalEvery: recipe.evalEvery, signal, gate })) {
      if (ev.kind === 'step') {
        steps = ev.step;
        const point = { step: ev.step, total: ev.steps, loss: ev.loss, lr: ev.lr, tokensPerSec: ev.tokensPerSec, elapsedMs: elapsedBefore + ev.elapsedMs };
        pending.push(point);
        history.steps.push(point);
        if (performance.now() - lastFlush > FLUSH_MS) flush();
      } else if (ev.kind === 'eval') {
        if (resume && ev.step === resume.state.step) continue; // the saved evaluation of this step is in the history
        flush();
        valLoss = ev.valLoss;
        const sample = await sampleText(decoder, corpus.tokenizer, SAMPLE_CHARS);
        const probe = await traceTokens(decoder, probeIds, corpus.tokenizer);
        emit({ kind: 'eval', step: ev.step, trainLoss: ev.trainLoss, valLoss: ev.valLoss, sample, probe });
        history.evals.push({ step: ev.step, trainLoss: ev.trainLoss, valLoss: ev.valLoss, sample });
        if (ev.step > 0) await keep(ev.step);
      } else {
        return await finish(ev.reason);
      }
    }
    throw new Error('training loop ended without an end event');
  } catch (e) {
    if (e instanceof EngineError && e.code === 'DIVERGED') return await finish('diverged', e.message);
    throw e;
  } finally {
    scopes.close();
    gate = undefined;
    onState = undefined;
    trainingId = undefined;
    decoder?.destroy();
    trainer?.destroy();
    model.destroy();
  }
}
