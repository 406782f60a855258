import * as Comlink from 'comlink';
import { engineErrorCode } from '../../errors';
import { getEngine, streamCall } from '../../workers/bridge';
import {
  checkRecipe,
  checkVocabSize,
  corpusTooLargeMessage,
  MAX_CORPUS_BYTES,
  NO_CORPUS_MESSAGE,
  type CorpusPart,
  type CorpusSummary,
  type LearnEvent,
  type MemoryPlan,
  type OnEvent,
  type PositionTrace,
  type Preset,
  type PresetId,
  type Recipe,
  type RecipeProblem,
  type StepPoint,
  type TokenizerKind,
  type TrainEvent,
  type TrainResult,
} from '../../workers/api';
import type { Slice } from './slice';

export const BUNDLED_CORPORA = [
  { id: 'shakespeare', label: 'Shakespeare', file: 'tinyshakespeare.txt', about: '1.1M characters of plays' },
  { id: 'names', label: 'Names', file: 'names.txt', about: '32,032 first names, one per line' },
] as const;

export type TrainStatus = 'idle' | 'starting' | 'running' | 'paused' | 'stopping';

/**
 * Loss curves for the chart, appended in place (uPlot reads these arrays directly); `version`
 * changes on every append so subscribers redraw without anything being copied.
 */
export interface LossCurves {
  version: number;
  step: number[];
  loss: number[];
  smooth: number[];
  evalStep: number[];
  trainLoss: number[];
  valLoss: number[];
}

export interface Sample {
  step: number;
  valLoss: number;
  text: string;
}

/** The probe text's trace at one evaluation, positions-major as every trace (`probeLabels` are its tokens). */
export interface ProbeSnapshot {
  step: number;
  positions: PositionTrace[];
}

export interface TrainingSlice {
  corpus?: CorpusSummary;
  corpusBusy: boolean;
  /** The tokenizer chosen; 'bpe' learns a vocabulary of `bpeVocab` tokens from the text. */
  tokenizer: TokenizerKind;
  /** The size of the vocabulary to learn, as typed (checkVocabSize says what is wrong with it). */
  bpeVocab: number;
  /** How far learning the vocabulary is, while it runs (corpusBusy is then true). */
  learnProgress?: LearnEvent;
  presets: Preset[];
  presetId?: PresetId;
  recipe?: Recipe;
  plan?: MemoryPlan;
  /**
   * What the worker would refuse in this recipe for this text (the worker API's validator,
   * src/model/recipe.ts), known at once: Start is disabled while there is any.
   */
  recipeProblems: RecipeProblem[];
  trainStatus: TrainStatus;
  progress?: StepPoint;
  curves: LossCurves;
  samples: Sample[];
  /** Attention of the probe text at each evaluation, oldest first; `probeLabels` are its tokens. */
  probes: ProbeSnapshot[];
  probeLabels: string[];
  trainResult?: TrainResult;
  /** Step of the last weights kept in the library during this run. */
  savedStep?: number;
  /** Library id of those weights (what comes back if the GPU device is lost mid-run). */
  savedId?: string;
  /** Name the trained model gets (editable; defaults to the corpus file's name). */
  trainName: string;
  /** The library model whose story (curve, samples, probe) the tab shows, once it is known. */
  historyOf?: string;

  initTraining(presets: Preset[]): void;
  chooseCorpusFiles(files: File[]): Promise<void>;
  choosePastedText(text: string): Promise<void>;
  chooseBundledCorpus(id: (typeof BUNDLED_CORPORA)[number]['id']): Promise<void>;
  setTokenizer(kind: TokenizerKind): Promise<void>;
  /** Sets the vocabulary size to learn; a valid one is learned after a short pause in typing. */
  setBpeVocab(size: number): void;
  cancelLearning(): void;
  choosePreset(id: PresetId): void;
  setRecipe(r: Partial<Recipe>): void;
  setTrainName(name: string): void;
  startTraining(): Promise<void>;
  /** Continues a model trained in this browser from its last save (Models tab: "Resume training"). */
  resumeSavedTraining(id: string): Promise<void>;
  pauseTraining(): void;
  resumeTraining(): void;
  stopTraining(): void;
  /** Shows a saved model's story (after a reload, or a model opened in the Models tab) while no run is on. */
  showSavedHistory(id: string): Promise<void>;
}

const emptyCurves = (): LossCurves => ({ version: 0, step: [], loss: [], smooth: [], evalStep: [], trainLoss: [], valLoss: [] });

/** How long typing must pause before a new vocabulary size is learned. */
const LEARN_DELAY_MS = 600;

/** Exponential moving average of the per-step loss (debiased, as TensorBoard's smoothing). */
const SMOOTHING = 0.9;

export const createTrainingSlice: Slice<TrainingSlice> = (set, get) => {
  /** Checks the recipe against the text at once (the page's own copy of the worker's rule), then re-plans memory in the worker (cheap). */
  const replan = async () => {
    const { recipe } = get();
    recheck();
    if (!recipe) return;
    try {
      const plan = await getEngine().planTraining(recipe);
      if (get().recipe === recipe) set({ plan });
    } catch (e) {
      get().sayError('train', e);
    }
  };
  /** The recipe's problems for this text, and the vocabulary size's when one is to be learned: shown at once, Start disabled. */
  const recheck = () => {
    const { recipe, corpus, tokenizer, bpeVocab } = get();
    const vocab = tokenizer === 'bpe' ? checkVocabSize(bpeVocab) : undefined;
    set({ recipeProblems: [...(recipe ? checkRecipe(recipe, corpus) : []), ...(vocab ? [vocab] : [])] });
  };
  /** The text's tokenizer when it is read: a vocabulary to learn starts from characters (learn() follows). */
  const readAs = (): TokenizerKind => (get().tokenizer === 'bpe' ? 'char' : get().tokenizer);
  const corpusRequest = async (what: () => Promise<CorpusSummary>) => {
    set({ corpusBusy: true });
    get().clearMessage('train');
    let ok = false;
    try {
      const corpus = await what();
      set({ corpus, trainName: corpus.name.replace(/\.[a-z0-9]{1,5}$/i, '') });
      await replan();
      ok = true;
    } catch (e) {
      // The corpus already chosen stays: the worker only replaces it on success.
      get().sayError('train', e);
    } finally {
      set({ corpusBusy: false });
    }
    if (ok && get().tokenizer === 'bpe') await learn();
  };
  /** Each learning run's number: a newer one (or a cancel) makes an older one's outcome moot. */
  let learnRun = 0;
  let cancelled = false;
  let learnTimer: ReturnType<typeof setTimeout> | undefined;
  /** Learns a vocabulary of bpeVocab tokens from the current text, with progress; the text stays as it was when it fails or is cancelled. */
  const learn = async () => {
    clearTimeout(learnTimer);
    const vocab = get().bpeVocab;
    if (!get().corpus || checkVocabSize(vocab)) return;
    const run = ++learnRun;
    cancelled = false;
    set({ corpusBusy: true, learnProgress: { phase: 'counting', done: 0, total: 1 } });
    get().clearMessage('train');
    try {
      const { summary } = await streamCall<LearnEvent, { summary: CorpusSummary; events: number }>(
        (onEvent) => getEngine().learnTokenizer(vocab, onEvent),
        (batch) => {
          if (run === learnRun) set({ learnProgress: batch.at(-1) });
        },
      );
      if (run !== learnRun) return;
      set({ corpus: summary });
      await replan();
    } catch (e) {
      if (run !== learnRun) return;
      // Cancelled: the text stays split as it was, and the choice says so.
      if (engineErrorCode(e) === 'ABORTED' && cancelled) set({ tokenizer: get().corpus?.tokenizer ?? 'char' });
      else get().sayError('train', e);
      recheck();
    } finally {
      if (run === learnRun) set({ corpusBusy: false, learnProgress: undefined });
    }
  };
  let ema = 0;
  let emaSteps = 0;
  /** A frame's batch of a run's events into the chart, the samples and the probes. */
  const applyEvents = (batch: TrainEvent[]) => {
    get().probeEvents(batch);
    const c = get().curves;
    let progress = get().progress;
    const samples: Sample[] = [];
    const probes: ProbeSnapshot[] = [];
    let probeLabels: string[] | undefined;
    let status: TrainStatus | undefined;
    let alertMsg: string | undefined;
    let savedStep: number | undefined;
    let savedId: string | undefined;
    for (const ev of batch) {
      if (ev.kind === 'steps') {
        for (const p of ev.steps) {
          ema = SMOOTHING * ema + (1 - SMOOTHING) * p.loss;
          emaSteps++;
          c.step.push(p.step);
          c.loss.push(p.loss);
          c.smooth.push(ema / (1 - SMOOTHING ** emaSteps));
          progress = p;
        }
      } else if (ev.kind === 'eval') {
        c.evalStep.push(ev.step);
        c.trainLoss.push(ev.trainLoss);
        c.valLoss.push(ev.valLoss);
        samples.push({ step: ev.step, valLoss: ev.valLoss, text: ev.sample });
        if (ev.probe) {
          probes.push({ step: ev.step, positions: ev.probe.positions });
          probeLabels = ev.probe.labels;
        }
      } else if (ev.kind === 'alert') alertMsg = ev.message;
      else if (ev.kind === 'resumed') set({ corpus: ev.corpus, recipe: ev.recipe, presetId: undefined, trainName: ev.name, recipeProblems: checkRecipe(ev.recipe, ev.corpus) });
      else if (ev.kind === 'saved') {
        savedStep = ev.step;
        savedId = ev.id;
      }
      else if (ev.kind === 'state' && get().trainStatus !== 'stopping') status = ev.state;
    }
    set((s) => ({
      curves: { ...c, version: c.version + 1 },
      progress,
      samples: samples.length ? [...samples.reverse(), ...s.samples] : s.samples,
      ...(probes.length ? { probes: [...s.probes, ...probes] } : {}),
      ...(probeLabels ? { probeLabels } : {}),
      ...(status ? { trainStatus: status } : {}),
      ...(savedStep !== undefined ? { savedStep, savedId } : {}),
    }));
    if (alertMsg) get().say('train', alertMsg);
    if (progress) document.title = `Step ${progress.step}/${progress.total} · loss ${progress.loss.toFixed(3)} — GPT Playground`;
  };

  /** One run, new or resumed: events batched into the chart, the result made the model that generates. */
  const runTraining = async (call: (onEvent: OnEvent<TrainEvent>) => Promise<TrainResult>) => {
    ema = 0;
    emaSteps = 0;
    get().clearMessage('train');
    set({ trainStatus: 'starting', curves: emptyCurves(), samples: [], probes: [], probeLabels: [], progress: undefined, trainResult: undefined, savedStep: undefined, savedId: undefined, historyOf: undefined });
    get().resetProbe();
    try {
      const res = await streamCall(call, applyEvents);
      set({ trainResult: res, historyOf: res.model.id });
      // A run that ends well leaves no alert from its course (e.g. a save refused while storage was full).
      if (res.reason === 'diverged' && res.message) get().say('train', res.message, 'DIVERGED');
      else get().clearMessage('train');
      get().setModel(res.model);
      void get().refreshLibrary();
    } catch (e) {
      get().sayError('train', e);
    } finally {
      set({ trainStatus: 'idle' });
      document.title = 'GPT Playground — WebGPU';
    }
  };

  return {
    corpusBusy: false,
    tokenizer: 'char',
    bpeVocab: 1024,
    presets: [],
    recipeProblems: [],
    trainStatus: 'idle',
    curves: emptyCurves(),
    samples: [],
    probes: [],
    probeLabels: [],
    trainName: '',

    initTraining: (presets) => {
      const first = presets[0];
      set({ presets, presetId: first?.id, recipe: first ? { ...first.recipe } : undefined });
      void replan();
    },
    chooseCorpusFiles: async (files) => {
      if (files.length === 0) return;
      const total = files.reduce((n, f) => n + f.size, 0);
      if (total > MAX_CORPUS_BYTES) {
        // Refused from its size: a file this large is never read into the tab.
        get().say('train', corpusTooLargeMessage(total), 'BAD_CORPUS');
        return;
      }
      await corpusRequest(async () => {
        const parts: CorpusPart[] = [];
        for (const f of files) parts.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
        return getEngine().setCorpus(Comlink.transfer(parts, parts.map((p) => p.bytes.buffer as ArrayBuffer)), readAs());
      });
    },
    choosePastedText: (text) => {
      const bytes = new TextEncoder().encode(text);
      return corpusRequest(() => getEngine().setCorpus(Comlink.transfer([{ name: 'pasted text', bytes }], [bytes.buffer]), readAs()));
    },
    chooseBundledCorpus: (id) => {
      const c = BUNDLED_CORPORA.find((x) => x.id === id)!;
      const url = new URL(`${import.meta.env.BASE_URL}corpora/${c.file}`, location.href).href;
      return corpusRequest(() => getEngine().setCorpusFromUrl(url, c.file, readAs()));
    },
    setTokenizer: async (kind) => {
      set({ tokenizer: kind });
      recheck();
      if (!get().corpus) return;
      if (kind === 'bpe') await learn();
      else await corpusRequest(() => getEngine().setTokenizer(kind));
    },
    setBpeVocab: (size) => {
      set({ bpeVocab: size });
      recheck();
      clearTimeout(learnTimer);
      const { tokenizer, corpus } = get();
      // Learned once typing pauses, not at every keystroke ("4", "40", "409", "4096").
      if (tokenizer === 'bpe' && corpus && !checkVocabSize(size) && !(corpus.tokenizer === 'bpe' && corpus.learned?.requested === size)) {
        learnTimer = setTimeout(() => void learn(), LEARN_DELAY_MS);
      }
    },
    cancelLearning: () => {
      cancelled = true;
      void getEngine().cancelLearning();
    },
    choosePreset: (id) => {
      const p = get().presets.find((x) => x.id === id);
      if (!p) return;
      set({ presetId: id, recipe: { ...p.recipe } });
      void replan();
    },
    setRecipe: (r) => {
      const recipe = get().recipe;
      if (!recipe) return;
      set({ recipe: { ...recipe, ...r }, presetId: undefined });
      void replan();
    },
    setTrainName: (trainName) => set({ trainName }),

    startTraining: async () => {
      const { recipe, trainStatus, trainName, corpus } = get();
      if (!recipe || trainStatus !== 'idle') return; // pressing Start twice starts one run
      if (!corpus) {
        get().say('train', NO_CORPUS_MESSAGE, 'BAD_CORPUS');
        return;
      }
      const probe = get().probeDraft.trim() ? get().probeDraft : undefined;
      await runTraining((onEvent) => getEngine().startTraining(recipe, trainName.trim() || corpus.name, onEvent, probe));
    },
    resumeSavedTraining: async (id) => {
      if (get().trainStatus !== 'idle') return;
      get().setTab('train');
      await runTraining(async (onEvent) => {
        const { corpus, recipe, ...res } = await getEngine().resumeSavedTraining(id, onEvent);
        set({ corpus, recipe, presetId: undefined, trainName: res.model.name, recipeProblems: checkRecipe(recipe, corpus) });
        return res;
      });
    },
    pauseTraining: () => void getEngine().pauseTraining(),
    resumeTraining: () => void getEngine().resumeTraining(),
    stopTraining: () => {
      set({ trainStatus: 'stopping' });
      void getEngine().stopTraining();
    },
    showSavedHistory: async (id) => {
      if (get().trainStatus !== 'idle' || get().historyOf === id) return;
      set({ historyOf: id });
      let events: TrainEvent[] | undefined;
      try {
        events = await getEngine().savedTrainingHistory(id);
      } catch {
        events = undefined; // a story that cannot be read is not shown; the model itself is unaffected
      }
      if (get().trainStatus !== 'idle' || get().historyOf !== id) return;
      ema = 0;
      emaSteps = 0;
      set({ curves: emptyCurves(), samples: [], probes: [], probeLabels: [], progress: undefined, trainResult: undefined });
      get().resetProbe();
      if (events) applyEvents(events);
      document.title = 'GPT Playground — WebGPU'; // a story shown, not a run
    },
  };
};
