/**
 * The engine worker's API: what the UI may ask of the engine, and the data that crosses.
 * The worker (src/workers/engine.worker.ts) implements `EngineApi`. Callbacks cross as
 * `Comlink.proxy`, big arrays as transferred buffers.
 *
 * Besides types, the UI imports from here the rules it shares with the engine, so that each is
 * written once: the limits, ranges and ids (src/model/limits.ts), the recipe validator
 * (src/model/recipe.ts) and the top-k / top-p cut (src/model/sampling-cut.ts). All are pure leaf modules; `npm run lint` keeps every other import of
 * this file type-only, so the page never bundles engine code through it.
 */
import type { Preset, PresetId, Recipe } from '../model/presets';
import type { NoWebGpuReason } from '../gpu/device';
import type { BlockTrace, LayerNormTrace, TraceNumbers } from '../model/token-trace';
import type { CorpusPart, CorpusSummary, LearnedSummary, TokenizerKind } from '../model/corpus';
import type { BpeProgress } from '../model/bpe';
import type { ProbeScores } from '../model/probe';
import type { SAMPLING_RANGES } from '../model/limits';
import type { RecipeRule } from '../model/recipe';
import type { EngineErrorCode } from '../errors';

export type { BlockTrace, CorpusPart, CorpusSummary, LayerNormTrace, LearnedSummary, NoWebGpuReason, Preset, PresetId, Recipe, TokenizerKind };
export { BPE_VOCAB_RANGE, corpusTooLargeMessage, inRange, LIBRARY_CHANNEL, MAX_CORPUS_BYTES, NO_CORPUS_MESSAGE, SAMPLING_RANGES, SHIPPED_MODEL_ID, URL_SOURCE_PREFIX, type NumberRange } from '../model/limits';
export { checkRecipe, checkRecipeField, checkVocabSize, limitText, RECIPE_FIELDS, type CorpusSize, type RecipeField, type RecipeProblem, type RecipeRule } from '../model/recipe';
export { keptByCut } from '../model/sampling-cut';

export interface EngineInfo {
  /** 'cpu' when the browser has no WebGPU: small models generate on the CPU, training is not offered. */
  backend: 'webgpu' | 'cpu';
  /** Why there is no WebGPU (when backend is 'cpu'). */
  noWebGpu?: { reason: NoWebGpuReason; message: string };
  adapter: { vendor: string; architecture: string; description?: string };
  features: string[];
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  /** Training recipes (defined once, in src/model/presets.ts). */
  presets: Preset[];
  /** How the matmul kernels were picked for this adapter (absent on the CPU path). */
  tuning?: KernelTuning;
  /**
   * The default of the Write tab's weights (absent on the CPU path): the tuner's pick for this
   * adapter (class 'weights': 16-bit where it decoded faster than 32-bit; `tuned`), else 16-bit.
   */
  weights?: { default: DecodeWeights; tuned: boolean };
}

/** The kernel tuner's verdict for this adapter and driver (src/kernels/tune.ts). */
export interface KernelTuning {
  /**
   * 'tuned': timed on this visit; 'cache': chosen on an earlier visit and read back; 'forced': fixed
   * by the caller (or the defaults, after a tuning run failed); 'background': the defaults run while
   * the tuner times the candidates in the background (first visit), `done` of them so far.
   */
  source: 'tuned' | 'cache' | 'forced' | 'background';
  /** Variant per shape class, e.g. { nn: 'direct8x8', decode: 'block' }. */
  choice: Record<string, string>;
  /** ms of tuning work (waits for the page's own work left out). */
  ms: number;
  /** 'background': the fraction of candidates timed, 0..1. */
  done?: number;
}

/** Progress of the tuning that runs once per adapter, in the background after init on a first visit. */
export interface TuningProgress {
  phase: 'cached' | 'forced' | 'tuning' | 'done';
  done: number;
  message: string;
  /** The engine's KernelTuning as it stands after this step (EngineInfo.tuning's new value). */
  tuning?: KernelTuning;
  /** With phase 'done': the Write tab's weights default as the tuning left it (EngineInfo.weights's new value). */
  weights?: EngineInfo['weights'];
}

export interface ModelInfo {
  /** Its id in the model library (src/workers/engine/library.ts); undefined for a model not kept there. */
  id?: string;
  name: string;
  n_layer: number;
  n_head: number;
  n_embd: number;
  block_size: number;
  vocab_size: number;
  tokenizer: TokenizerKind;
  /** Floats in the parameter buffer (GPT-2 counting, the tied head once). */
  params: number;
  /** Validation loss when it was trained here. */
  valLoss?: number;
}

/** A model kept in the browser (trained or imported here). */
export interface LibraryEntry extends Omit<ModelInfo, 'id'> {
  id: string;
  source: 'trained' | 'imported';
  created: number;
  updated: number;
  /** Training step of the saved weights. */
  step?: number;
  /** Bytes of its three files. */
  bytes: number;
  /** The run's planned steps, for a model trained here. */
  totalSteps?: number;
  /** Its training state is saved with it and steps are left: "Resume training" continues from `step`. */
  resumable: boolean;
  /**
   * Why its stored bytes no longer decode (found when it was last read): it cannot be used or
   * resumed, only deleted or downloaded as it is. Its shape fields are then 0 when unknown.
   */
  damaged?: string;
}

/** The probe's scores at one evaluation (src/model/probe.ts): per position p(true next token) and the top candidates. */
export type { ProbeScores };

/**
 * The probe text of a run (held-out text scored at each evaluation): its token ids, each decoded
 * alone, and every vocabulary id decoded alone (the candidates' labels).
 */
export interface ProbeText {
  ids: number[];
  labels: string[];
  vocab: string[];
}

/**
 * The loss curve, samples and probe scores of a run so far, saved with the model: a resumed run's
 * chart continues, and the Train tab shows a saved model's story after a reload (savedTrainingHistory).
 * `probe` and `scores` are absent in runs saved before the probe existed.
 */
export interface TrainHistory {
  steps: StepPoint[];
  evals: { step: number; trainLoss: number; valLoss: number; sample: string; scores?: ProbeScores }[];
  probe?: { ids: number[] };
}

export interface LibraryState {
  models: LibraryEntry[];
  /** The model in use when the page was last open ('shipped', a library id, or 'url:' and a Model URL source). */
  activeId?: string;
  /** navigator.storage.estimate(): bytes used and available to this site. */
  usage?: number;
  quota?: number;
}

/** Bytes of a model download so far; total when the server gave every file's size (the transport is src/model/checkpoint-url.ts). */
export type LoadProgress = import('../model/checkpoint-url').FetchProgress;

/**
 * The weights generation reads on the GPU: 32-bit (the model's own), or a 16-bit copy (half the
 * bytes a token reads; logits within f16 rounding). The CPU path always uses its float64 weights.
 */
export type DecodeWeights = 'f32' | 'f16';

/** The sampling settings of a generation; their ranges are SAMPLING_RANGES. */
export type SamplingSettings = Record<keyof typeof SAMPLING_RANGES, number>;

/** Next-token candidates at one position: the K most likely tokens (softmax at the sampling temperature). */
export interface CandidateList {
  ids: Uint32Array;
  probs: Float32Array;
  /** Each candidate decoded alone. */
  texts: string[];
}

/**
 * The trace of one position: what its query attends to in every layer and head, and what the model
 * predicts after it. The one trace shape: generation, the training probe and the views to come all
 * read (and may add optional fields to) this. From the GPU decoder a position's arrays share one
 * buffer, transferred, not copied.
 */
export interface PositionTrace {
  /** [layer] -> (NH, n) row-major: this query's weights over the n positions it saw, keys pos-n+1 .. pos (n = pos+1 until the cache is rebuilt). */
  attention?: Float32Array[];
  /** What the model predicts after this position. */
  candidates?: CandidateList;
}

/**
 * Tokens and their traces, positions-major: positions[i] is the trace of position i (the query at
 * token i). `positions` may be shorter than `ids`: a position not fed yet (the last token of a
 * generation) has none.
 */
export interface Trace {
  ids: number[];
  /** Each token decoded alone (an axis label). */
  labels: string[];
  positions: PositionTrace[];
}

/** What a generation streams: the prompt's trace first (when attention is captured), then its tokens. */
export type GenerationEvent =
  /** The prompt as the model saw it (cropped to the block size), with the traces of positions 0 .. T-2 (T-1 arrives with the first token). */
  | { kind: 'prompt'; prompt: Trace }
  | ({ kind: 'token' } & TokenEvent);

/** A generated token, with the trace of the position that produced it (the one before it). */
export interface TokenEvent {
  token: number;
  /** Decoded text of this token as the output shows it (may be empty while a BPE character is incomplete). */
  text: string;
  /** The token decoded alone (an axis label). */
  label: string;
  trace?: PositionTrace;
}

/**
 * The callback of a call that streams: each event with its number, 0, 1, 2, ... in the order sent.
 * It crosses as a Comlink.proxy, on a message port of its own, so the call's result can overtake
 * its last events: src/workers/bridge.ts streamCall puts them back in order and waits for them.
 */
export type OnEvent<E> = (event: E, seq: number) => void;

/** The result of a call that streams: how many events it sent in all (the UI waits for as many). */
export interface Streamed {
  events: number;
}

export interface GenerationResult extends Streamed {
  tokens: number;
  ms: number;
  /** The weights the run read: 'f32' or 'f16' on the GPU, 'cpu' on the CPU path (float64). */
  weights?: DecodeWeights | 'cpu';
}

/** What the "How it works" view follows: a text, or token ids (the Write tab's); position defaults to the last. */
export type TraceRequest = ({ text: string } | { ids: number[] }) & { position?: number };

/**
 * One position followed through the model, every intermediate vector with its real numbers (the
 * "How it works" view). The numbers' layout is src/model/token-trace.ts's; their arrays share one
 * transferred buffer (`buffer`).
 */
export interface TokenTrace extends TraceNumbers {
  /** The tokens the model saw: the input's window of at most block_size tokens that ends at the traced one. */
  ids: number[];
  /** Each of them decoded alone. */
  labels: string[];
  /** Where ids[0] lies in the input (> 0 when the input was longer than the block size). */
  offset: number;
  /** Up to 8 tokens of the input after the traced one: the causal mask hides them. */
  after: string[];
  /** Every token id by its logit, largest first (ties: lower id first), sorted in the worker so the page need not. */
  order: Uint32Array;
  /** Each token id the view lists decoded alone: the 16 highest and 16 lowest logits, and the token after the traced one. */
  vocab: Record<number, string>;
  tokenizer: TokenizerKind;
  vocabSize: number;
  /**
   * Where the numbers were computed and from which weights: on the GPU from the weights generation
   * reads (32-bit, or its 16-bit copy), or on the CPU path (float64); how long the trace took (ms, in the worker).
   */
  weights: DecodeWeights | 'cpu';
  ms: number;
}

/** What learning a vocabulary streams: the phase (counting words, merging pairs, encoding the text) and how far it is. */
export type LearnEvent = BpeProgress;

/** Memory a recipe needs on this adapter, computed before anything is allocated. */
export interface MemoryPlan {
  params: number;
  bytes: { weights: number; gradients: number; adam: number; backup: number; activations: number; total: number };
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  /**
   * Why it does not fit (TOO_LARGE, first), or the first thing checkRecipe finds wrong (BAD_CONFIG,
   * or BAD_CORPUS: the current text is too short for it); undefined when it trains.
   */
  problem?: { code: 'TOO_LARGE' | 'BAD_CONFIG' | 'BAD_CORPUS'; message: string; why?: RecipeRule };
}

/**
 * What a training run streams. An evaluation's `probe` is the trace of a fixed probe text (the
 * start of the validation split), every position, layer and head: watching heads form as the model
 * learns; its ids and labels are the same at every evaluation of a run.
 */
export type TrainEvent =
  | { kind: 'steps'; steps: StepPoint[] }
  | { kind: 'eval'; step: number; trainLoss: number; valLoss: number; sample: string; probe?: Trace; scores?: ProbeScores }
  /** The probe text whose scores the evaluations carry (sent once, before them). */
  | { kind: 'probeText'; probe: ProbeText }
  | { kind: 'state'; state: 'running' | 'paused' }
  /** The weights of `step` are saved in the library (at each evaluation and at the end). */
  | { kind: 'saved'; step: number; id: string }
  /** Something the user must know that does not stop training (e.g. storage full: not saved). */
  | { kind: 'alert'; message: string; code?: EngineErrorCode }
  /** A saved run continues (resumeSavedTraining): its corpus, recipe and name, before its history and new steps. */
  | { kind: 'resumed'; step: number; corpus: CorpusSummary; recipe: Recipe; name: string };

export interface StepPoint {
  step: number;
  total: number;
  loss: number;
  lr: number;
  tokensPerSec: number;
  elapsedMs: number;
}

export interface TrainResult extends Streamed {
  reason: 'finished' | 'stopped' | 'diverged';
  steps: number;
  /** The trained model, now the one that generates. */
  model: ModelInfo;
  /** For 'diverged': what happened and what to try. */
  message?: string;
}

/** Something that went wrong outside any call: the UI hears of it through watchFaults. */
export type EngineFault =
  /** The GPU device was lost (driver reset, GPU removed, or the test hook): the model with it. The next load creates a new device. */
  | { kind: 'device-lost'; message: string }
  /** A WebGPU error no error scope caught, with its code. */
  | { kind: 'gpu-error'; code: 'GPU_VALIDATION' | 'OUT_OF_MEMORY'; message: string };

/** Faults the test hook can cause (EngineApi.debugFault). */
export type DebugFault = 'lose-device' | 'uncaptured-error' | 'storage-full' | 'storage-ok' | 'hold-next-save';

export interface EngineApi {
  /**
   * Creates the GPU device; without WebGPU, says why and runs on the CPU (backend 'cpu').
   * `testHooks` (the page's URL has ?test-hooks) enables debugFault.
   */
  init(opts?: { testHooks?: boolean }, onTuning?: (p: TuningProgress) => void): Promise<EngineInfo>;
  /** Calls `onFault` for each fault that happens outside any call, from now on. */
  watchFaults(onFault: (f: EngineFault) => void): Promise<void>;
  /**
   * Test hook, refused unless init() got testHooks: 'lose-device' destroys the GPU device as a
   * driver reset would; 'uncaptured-error' makes a GPU validation error outside any error scope;
   * 'storage-full' makes every library save fail with the browser's QuotaExceededError until
   * 'storage-ok'; 'hold-next-save' makes the next library save write its parts and then keep its
   * transaction open, uncommitted, for 20 s, and resolves once it does (a test closes the
   * page inside the save).
   */
  debugFault(kind: DebugFault): Promise<void>;
  /**
   * GPU bytes the engine holds now: the buffers made through src/gpu/buffers.ts on the current
   * device and not yet destroyed (0 without WebGPU). What the soak test compares over time.
   */
  gpuBytesInUse(): Promise<number>;
  /** A model directory served over HTTP (e.g. the shipped `weights/shakespeare-char`, as an absolute URL), streamed with progress. */
  loadModelFromUrl(base: string, name: string, onProgress?: (p: LoadProgress) => void): Promise<ModelInfo>;
  /**
   * A GPT-2 from a Hugging Face model id (`openai-community/gpt2`) or the URL of a folder with
   * config.json, model.safetensors (and tokenizer.json); a relative URL is read against `pageUrl`.
   * Streamed with progress and cached (a second load needs no network); refused before the weights
   * download when it is not a GPT-2, sharded or TOO_LARGE. `cancelLoad` stops it (ABORTED). On any
   * failure the model in use stays.
   */
  loadModelFromSource(source: string, pageUrl: string, onProgress?: (p: LoadProgress) => void): Promise<ModelInfo & { cached: boolean }>;
  /** Cancels a model download in progress. */
  cancelLoad(): Promise<void>;

  /** The model library: models trained or imported in this browser. */
  listModels(): Promise<LibraryState>;
  /** Loads a library model and makes it the one that generates (and the one reopened next visit). */
  useModel(id: string): Promise<ModelInfo>;
  /** Remembers which model to reopen next visit ('shipped' for the shipped model). */
  setActiveModel(id: string): Promise<void>;
  renameStoredModel(id: string, name: string): Promise<void>;
  /** Deletes a library model (BUSY while it is being trained). The model in use keeps working. */
  deleteModel(id: string): Promise<void>;
  /** A .zip of the model directory in Hugging Face's formats (model/checkpoint.ts), with a model card: a library model by id, or the model in use. */
  exportModel(id?: string): Promise<{ name: string; zip: Uint8Array }>;
  /** A dropped or picked .zip, or the loose files (or a folder's files): loaded, kept in the library, made current. */
  importModel(parts: CorpusPart[], name: string): Promise<ModelInfo>;

  /** Streams the prompt's trace (with captureAttention) and the tokens to `onEvent`; resolves when done. A new generation or a load cancels this one. */
  generate(prompt: string, opts: SamplingSettings & { captureAttention: boolean; weights?: DecodeWeights }, onEvent: OnEvent<GenerationEvent>): Promise<GenerationResult>;
  cancelGeneration(): Promise<void>;
  /**
   * Follows one position through the loaded model (one GPU pass and one read-back, or the float64
   * path on the CPU). BAD_CONFIG for a position outside the input; BUSY while training runs.
   */
  trace(req: TraceRequest): Promise<TokenTrace>;

  /** Checks, decodes and tokenizes a corpus (BAD_CORPUS when it is not usable text); keeps the previous one on error. */
  setCorpus(parts: CorpusPart[], tokenizer: TokenizerKind): Promise<CorpusSummary>;
  /** Fetches a bundled corpus (e.g. `corpora/tinyshakespeare.txt`) in the worker. */
  setCorpusFromUrl(url: string, name: string, tokenizer: TokenizerKind): Promise<CorpusSummary>;
  /** Re-tokenizes the current corpus with characters or GPT-2's BPE ('bpe' is learnTokenizer's). */
  setTokenizer(tokenizer: TokenizerKind): Promise<CorpusSummary>;
  /**
   * Learns a byte-level BPE of `vocabSize` tokens from the current corpus's text and re-tokenizes
   * it (src/model/bpe.ts), streaming progress; the worker stays responsive meanwhile. Rejects with
   * ABORTED when cancelled (cancelLearning, a newer learnTokenizer, or a new text), BAD_CONFIG for
   * a size outside BPE_VOCAB_RANGE, BUSY while training runs. The corpus is unchanged unless it succeeds.
   */
  learnTokenizer(vocabSize: number, onEvent: OnEvent<LearnEvent>): Promise<{ summary: CorpusSummary } & Streamed>;
  /** Cancels learnTokenizer (it rejects with ABORTED). */
  cancelLearning(): Promise<void>;
  /** Parameters and memory of a recipe for the current corpus, against this adapter's limits. */
  planTraining(recipe: Recipe): Promise<MemoryPlan>;
  /**
   * Trains a new model on the current corpus; events stream to `onEvent` (step metrics batched).
   * Resolves when training finishes or is stopped (the model becomes the one that generates);
   * rejects with TOO_LARGE, BAD_CORPUS, BUSY (already training) or DEVICE_LOST. `probeText` is
   * the held-out text scored at each evaluation (default: the start of the validation split;
   * BAD_CORPUS when it does not encode in the corpus's vocabulary or is under 2 tokens).
   */
  startTraining(recipe: Recipe, name: string, onEvent: OnEvent<TrainEvent>, probeText?: string): Promise<TrainResult>;
  /**
   * Continues a model trained in this browser from its last save (weights, AdamW state, step,
   * recipe, corpus): the saved history arrives first as ordinary events, then the new steps.
   * The corpus becomes the current one. Same results and errors as startTraining.
   */
  resumeSavedTraining(id: string, onEvent: OnEvent<TrainEvent>): Promise<TrainResult & { corpus: CorpusSummary; recipe: Recipe }>;
  /**
   * The story of a model trained in this browser, as the events its run sent (the probe text, the
   * curve, each evaluation's sample and probe scores), to show it again after a reload; undefined
   * for a model without a saved history.
   */
  savedTrainingHistory(id: string): Promise<TrainEvent[] | undefined>;
  pauseTraining(): Promise<void>;
  resumeTraining(): Promise<void>;
  stopTraining(): Promise<void>;
}
