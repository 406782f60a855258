/**
 * Training in the worker: a new model on the current corpus, driven by the shared training run
 * (src/model/training-run.ts, as the CLI's). Step metrics are batched (one message per ~100 ms, not per step); each
 * evaluation adds a short sample from the current weights. When training ends or is stopped, the
 * weights of the last completed step become the model that generates.
 */
import { EngineError } from '../../errors';
import type { GpuContext } from '../../gpu/device';
import { countParams, validateConfig, type GPTConfig } from '../../model/config';
import { estimateBytes } from '../../model/memory';
import type { Recipe } from '../../model/presets';
import { assertRecipe, checkRecipe } from '../../model/recipe';
import { PROBE_MAX_POSITIONS } from '../../model/probe';
import { PauseGate, recipeConfig, recipeTrainOptions } from '../../model/session';
import type { Tokenizer } from '../../model/tokenizer';
import type { TrainerState } from '../../model/trainer';
import { TrainingRun } from '../../model/training-run';
import type { CorpusSummary, MemoryPlan, OnEvent, ProbeText, StepPoint, TrainEvent, TrainHistory, TrainResult } from '../api';
import { currentCorpus, setCorpusText, type Corpus } from './corpus';
import { traceTokens } from './generation';
import * as library from './library';
import { install } from './models';
import { eventStream } from './stream';
import { withModelLock } from './tab-locks';

/** Characters of text sampled at each evaluation. */
const SAMPLE_CHARS = 240;
/** Tokens of the probe text whose attention is shown at each evaluation. */
const PROBE_TOKENS = 48;

/** The probe text as the page shows it: its tokens, and every vocabulary id decoded alone (the candidates' labels). */
function probeText(ids: number[], tokenizer: Tokenizer): ProbeText {
  const label = (id: number) => tokenizer.decode([id]);
  return { ids, labels: ids.map(label), vocab: Array.from({ length: tokenizer.vocabSize }, (_, id) => label(id)) };
}

/**
 * A saved model's story as the events its run sent (the probe text, the curve, the evaluations), for
 * the Train tab after a reload; undefined when the model has no saved history.
 */
export async function savedHistory(id: string): Promise<TrainEvent[] | undefined> {
  const history = await library.loadHistory(id);
  if (!history) return undefined;
  const events: TrainEvent[] = [];
  if (history.probe) events.push({ kind: 'probeText', probe: probeText(history.probe.ids, (await library.load(id)).ck.tokenizer) });
  events.push({ kind: 'steps', steps: history.steps }, ...history.evals.map((e): TrainEvent => ({ kind: 'eval', ...e })));
  return events;
}
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
  const corpus = tryCorpus();
  // The recipe's own problems first (the page shows the same ones before asking: src/model/recipe.ts).
  const recipeProblem = checkRecipe(recipe, corpus?.summary)[0];
  const config = recipeConfig(recipe, corpus?.tokenizer.vocabSize ?? 65); // no corpus yet: plan for Shakespeare's characters
  const lim = { maxBufferSize: limits.maxBufferSize, maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize };
  let bytes: MemoryPlan['bytes'] = { weights: 0, gradients: 0, adam: 0, backup: 0, activations: 0, total: 0 };
  let problem: MemoryPlan['problem'];
  let params = 0;
  try {
    validateConfig(config); // shape first: the estimate needs a well-formed config
    params = countParams(config);
    bytes = estimateBytes(config, recipe.batch, recipe.block_size); // what GPT allocates for training, buffer by buffer
    validateConfig(config, lim, recipe.batch, recipe.block_size);
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    problem = { code: e.code === 'TOO_LARGE' ? 'TOO_LARGE' : 'BAD_CONFIG', message: e.message };
  }
  // Not fitting the GPU is the one thing the page cannot know by itself: it goes first.
  if (recipeProblem && problem?.code !== 'TOO_LARGE') problem = { code: recipeProblem.code, message: recipeProblem.message };
  return { params, bytes, limits: lim, problem };
}

function tryCorpus(): Corpus | undefined {
  try {
    return currentCorpus();
  } catch {
    return undefined;
  }
}

/** Where a run starts: the recipe's seeded initial weights, or a saved run (weights, trainer state, history). */
interface RunStart {
  id: string;
  name: string;
  recipe: Recipe;
  corpus: Corpus;
  resume?: { weights: Float32Array; state: TrainerState; history: TrainHistory };
  /** The probe's text as the user wrote it; default the start of the validation split. */
  probeText?: string;
}

/** The probe's token ids: the user's text in the corpus's tokens (BAD_CORPUS when it does not encode or is too short), else the start of the validation split. */
function probeTokens(corpus: Corpus, text: string | undefined): number[] {
  if (!text?.trim()) return Array.from(corpus.val.subarray(0, PROBE_MAX_POSITIONS + 1));
  let ids: number[];
  try {
    ids = corpus.tokenizer.encode(text);
  } catch (e) {
    throw new EngineError('BAD_CORPUS', `The probe text does not fit this vocabulary: ${(e as Error).message.split(' Remove it')[0]} Remove that character from the probe, or leave the probe empty to use the start of the validation split.`);
  }
  if (ids.length < 2) throw new EngineError('BAD_CORPUS', `The probe text is ${ids.length} token long; it needs at least 2 (each token is scored on the one after it).`);
  return ids.slice(0, PROBE_MAX_POSITIONS + 1);
}

/** A new model on the current corpus; `probeText` is scored at each evaluation (default: the start of the validation split). */
export function train(c: GpuContext, recipe: Recipe, name: string, signal: AbortSignal, onEvent: OnEvent<TrainEvent>, probeText?: string): Promise<TrainResult> {
  const id = library.newId();
  return withModelLock(id, 'trained', () => run(c, { id, name, recipe, corpus: currentCorpus(), probeText }, signal, onEvent));
}

/**
 * A model trained here, continued from its last save: the weights, AdamW state and step, the
 * recipe, and the corpus (which becomes the current one). Its saved curve and samples are
 * emitted first, so the chart continues; its saves go on replacing the same library record.
 */
export function resumeSaved(c: GpuContext, id: string, signal: AbortSignal, onEvent: OnEvent<TrainEvent>): Promise<TrainResult & { corpus: CorpusSummary; recipe: Recipe }> {
  return withModelLock(id, 'resumed', () => resumeLocked(c, id, signal, onEvent));
}

async function resumeLocked(c: GpuContext, id: string, signal: AbortSignal, onEvent: OnEvent<TrainEvent>): Promise<TrainResult & { corpus: CorpusSummary; recipe: Recipe }> {
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
  assertRecipe(recipe, corpus.summary);
  const config: GPTConfig = recipeConfig(recipe, corpus.tokenizer.vocabSize);
  const tokenizer = corpus.tokenizer;
  // The probe: the user's text or the start of the validation split (a resumed run keeps the one its history was scored on).
  const probeIds = resume?.history.probe?.ids ?? probeTokens(corpus, start.probeText);
  const training = await TrainingRun.allocate(
    c.device,
    { config, opts: recipeTrainOptions(recipe), train: corpus.train, val: corpus.val, tokenizer, weights: resume?.weights, state: resume?.state, probe: probeIds },
    `allocating “${name}” for training`,
  );
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
  const history: TrainHistory = { steps: [...(resume?.history.steps ?? [])], evals: [...(resume?.history.evals ?? [])], probe: { ids: probeIds.slice(0, training.probePositions + 1) } };
  const elapsedBefore = history.steps.at(-1)?.elapsedMs ?? 0;
  let valLoss: number | undefined = history.evals.at(-1)?.valLoss;
  const id = (trainingId = start.id);
  let corpusSaved = resume !== undefined; // the corpus text goes with the first save only
  /**
   * Keeps the current weights in the library with the training state (one transaction);
   * storage trouble is reported, training goes on. A finished run has nothing to resume: then
   * the weights only, and any older training state (twice the weights, and no longer theirs) is
   * dropped in the same transaction.
   */
  const keep = async (step: number) => {
    const { params, state } = await training.save(step);
    try {
      const saved = state ? { recipe, state, corpus: corpusSaved ? undefined : { name: corpus.name, text: corpus.text } } : 'drop';
      await library.save(id, { config, tokenizer, params }, { name, source: 'trained', valLoss, step, totalSteps: recipe.steps, corpus: corpus.name }, saved, history);
      corpusSaved ||= state !== undefined;
      emit({ kind: 'saved', step, id });
    } catch (e) {
      emit({ kind: 'alert', message: (e as Error).message });
    }
    return params;
  };
  try {
    if (resume) emit({ kind: 'resumed', step: resume.state.step, corpus: corpus.summary, recipe, name });
    // The scored positions' tokens and the one after the last (the probe text the page tints).
    if (training.probePositions) emit({ kind: 'probeText', probe: probeText(history.probe!.ids, tokenizer) });
    if (resume) {
      emit({ kind: 'steps', steps: history.steps });
      for (const e of history.evals) emit({ kind: 'eval', ...e });
    }
    const traceIds = probeIds.slice(0, Math.min(PROBE_TOKENS, recipe.block_size));
    emit({ kind: 'state', state: 'running' });
    const end = await training.run(
      {
        onStep: (ev) => {
          const point = { step: ev.step, total: ev.steps, loss: ev.loss, lr: ev.lr, tokensPerSec: ev.tokensPerSec, elapsedMs: elapsedBefore + ev.elapsedMs };
          pending.push(point);
          history.steps.push(point);
          if (performance.now() - lastFlush > FLUSH_MS) flush();
        },
        onEvaluation: async (ev) => {
          flush();
          valLoss = ev.valLoss;
          const sample = await training.sample(SAMPLE_CHARS);
          const scores = await training.probeScores();
          const probe = await traceTokens(training.decoder, traceIds, corpus.tokenizer);
          emit({ kind: 'eval', step: ev.step, trainLoss: ev.trainLoss, valLoss: ev.valLoss, sample, probe, scores });
          history.evals.push({ step: ev.step, trainLoss: ev.trainLoss, valLoss: ev.valLoss, sample, scores });
          if (ev.step > 0) await keep(ev.step);
        },
      },
      { evalEvery: recipe.evalEvery, signal, gate },
    );
    // The end: the weights of the last completed step are saved and become the model that generates.
    flush();
    const params = await keep(end.step);
    const info = install({ config, tokenizer, params }, name, c, valLoss, id);
    await library.setActive(id).catch(() => undefined);
    return { reason: end.reason, steps: end.step, model: info, message: end.error?.message, events: events.sent };
  } finally {
    gate = undefined;
    onState = undefined;
    trainingId = undefined;
    training.destroy();
  }
}
