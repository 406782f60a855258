/**
 * The model that generates: its checkpoint, its GPT on the device and its decoder; or, without
 * WebGPU, its decoder on the CPU (src/reference/decode.ts) and no GPT.
 */
import { EngineError } from '../../errors';
import { allocateScoped, type GpuContext } from '../../gpu/device';
import type { Checkpoint } from '../../model/checkpoint';
import { countParams, validateConfig, type GPTConfig } from '../../model/config';
import { Decoder, type DecoderOptions, type TokenDecoder } from '../../model/generate';
import { GPT } from '../../model/gpt';
import { decoderWeightsRun, fitsF16 } from '../../model/f16';
import { kernelChoice } from '../../model/tuning';
import { RefDecoder, refParamsFromFlat } from '../../reference/decode';
import type { DecodeWeights, EngineInfo, GenerationResult, ModelInfo } from '../api';
import { clearLost, deviceLostMessage, whenLost } from './device';

export interface Loaded {
  ck: Checkpoint;
  /**
   * The decoder's model (undefined on the CPU path): the f32 parameters, or with 16-bit weights
   * only the 1-D ones (GPTOptions.params 'vectors'): the matrices are then on the GPU in 16 bits
   * alone, in the decoder (about half the bytes; build).
   */
  model?: GPT;
  decoder: TokenDecoder;
  /** An f32 model for the trace when `model` keeps only its vectors: made on the first trace (f32Model). */
  traceModel?: GPT;
  /** The trace's own f32 decoder, made when the trace cannot use `decoder` (traceDecoder). */
  traceDecoder?: Decoder;
  name: string;
  valLoss?: number;
  /** Library id, when the model is kept in the browser. */
  id?: string;
}

let loaded: Loaded | undefined;

/** The CPU path's size limit: float64 loops run the shipped 0.8M model at ~200 tokens/s, so 10M at ~15. */
const CPU_MAX_PARAMS = 10e6;

whenLost(() => {
  loaded = undefined;
});

/** Throws TOO_LARGE when `config` cannot generate here: the adapter's buffer limits, or the CPU path's size. */
export function checkFits(config: GPTConfig, c: GpuContext | 'cpu'): void {
  if (c !== 'cpu') return validateConfig(config, c.device.limits);
  validateConfig(config);
  if (countParams(config) > CPU_MAX_PARAMS) {
    throw new EngineError('TOO_LARGE', `This model has ${(countParams(config) / 1e6).toFixed(1)}M parameters: without WebGPU only models up to ${CPU_MAX_PARAMS / 1e6}M run (on the CPU). Open the page in a browser with WebGPU to use it.`);
  }
}

/** Builds the new model first, so one that does not fit (TOO_LARGE) leaves the current one working. */
export function install(ck: Checkpoint, name: string, c: GpuContext | 'cpu', valLoss?: number, id?: string): ModelInfo {
  if (c === 'cpu') {
    if (countParams(ck.config) > CPU_MAX_PARAMS) {
      throw new EngineError('TOO_LARGE', `This model has ${(countParams(ck.config) / 1e6).toFixed(1)}M parameters: without WebGPU only models up to ${CPU_MAX_PARAMS / 1e6}M run (on the CPU). Open the page in a browser with WebGPU to use it.`);
    }
    loaded?.decoder.destroy();
    loaded = { ck, decoder: new RefDecoder(ck.config, refParamsFromFlat(ck.config, ck.params)), name, valLoss, id };
    return info();
  }
  // Built inside error scopes, so the device's out-of-memory is reported as OUT_OF_MEMORY (see
  // allocationChecked); the model in use is kept until the new one is known to be whole.
  const { result: built, checked } = allocateScoped(c.device, `allocating the model “${name}”`, () => build(c.device, ck, wanted(c.device)), drop);
  const { model, decoder } = built;
  const prev = loaded;
  loaded = { ck, model, decoder, name, valLoss, id };
  clearLost();
  settle(
    checked.then(
      () => prev && drop(prev),
      (e: unknown) => {
        if (loaded?.model === model) loaded = prev; // the device refused the new model: the old one stays in use
        else if (prev) drop(prev);
        throw e;
      },
    ),
  );
  return info();
}

/** Destroys a loaded model's GPU parts. */
function drop(l: Pick<Loaded, 'model' | 'decoder' | 'traceModel' | 'traceDecoder'>): void {
  l.decoder.destroy();
  l.traceDecoder?.destroy();
  l.traceModel?.destroy();
  l.model?.destroy();
}

/**
 * The weights the page asked for last (the Write tab's choice, sent with each generation); before
 * any, the tuner's pick for this adapter (weightsDefault). A model loaded later is built for it.
 */
let preferred: DecodeWeights | undefined;

/**
 * The default of the Write tab's weights: the tuner's pick for this adapter and driver (class
 * 'weights' of src/kernels/tune-weights.ts: 16-bit where a 16-bit form decoded faster than f32;
 * `tuned`), 16-bit where there is no pick (tuning failed, or has not finished).
 */
export function weightsDefault(device: GPUDevice): NonNullable<EngineInfo['weights']> {
  const pick = kernelChoice(device).weights;
  return { default: pick === 'f32' ? 'f32' : 'f16', tuned: pick !== undefined };
}

/** fitsF16 of a checkpoint's weights, once per checkpoint (a pass over every weight: ~0.1 s for GPT-2 small). */
const halves = new WeakMap<Checkpoint, boolean>();
function hasHalves(ck: Checkpoint): boolean {
  let fits = halves.get(ck);
  if (fits === undefined) halves.set(ck, (fits = fitsF16(ck.params)));
  return fits;
}

function wanted(device: GPUDevice): DecodeWeights {
  return preferred ?? weightsDefault(device).default;
}

/** The 16-bit form a decoder reads: the shader-f16 one where the tuner picked it, else packed u32 pairs (every adapter). */
function form16(device: GPUDevice): 'f16' | 'f16packed' {
  return kernelChoice(device).weights === 'f16' && decoderWeightsRun(device, 'f16') ? 'f16' : 'f16packed';
}

/** The decoder a model loaded now generates with (build's, for a checkpoint whose weights all have halves): what compileAheadFor compiles. */
export function nextDecoder(device: GPUDevice): DecoderOptions {
  return wanted(device) === 'f16' ? { weights: form16(device) } : {};
}

/**
 * The model and decoder that generate `ck` with `weights`. 16-bit (only where every weight has a
 * half, fitsF16; else f32): a model that keeps only its vectors in f32 and a decoder whose 16-bit
 * copy is packed from the host weights, in the form the tuner picked (the shader-f16 one where it
 * won, else packed u32 pairs, which every adapter runs), so the matrices are never on the GPU in f32.
 */
function build(device: GPUDevice, ck: Checkpoint, weights: DecodeWeights): { model: GPT; decoder: Decoder } {
  const half = weights === 'f16' && hasHalves(ck);
  const model = new GPT(device, ck.config, { params: half ? 'vectors' : 'all' });
  try {
    model.setWeights(ck.params);
    return { model, decoder: half ? new Decoder(model, { weights: form16(device), hostWeights: ck.params }) : new Decoder(model) };
  } catch (e) {
    model.destroy();
    throw e;
  }
}

/** The last install's allocation check (see allocationChecked). */
let allocation: Promise<void> = Promise.resolve();
function settle(p: Promise<void>): void {
  p.catch(() => undefined); // reported through allocationChecked, not as an unhandled rejection
  allocation = p;
}

/**
 * Resolves once the GPU allocations of the last install are checked; rejects with OUT_OF_MEMORY or
 * GPU_VALIDATION when the device refused them (the model used before is then in use again).
 * The worker awaits it after every call that may install a model.
 */
export function allocationChecked(): Promise<void> {
  const p = allocation;
  allocation = Promise.resolve();
  return p;
}

/** The loaded model, or a plain-words error: no model yet, or the device (and the model) was lost. */
export function current(): Loaded {
  if (loaded) return loaded;
  const lost = deviceLostMessage();
  if (lost) throw new EngineError('DEVICE_LOST', lost);
  throw new EngineError('BAD_CHECKPOINT', 'No model is loaded yet. Wait for the shipped model, or load or train one.');
}

/**
 * The loaded model with its GPU decoder reading `weights` (default: the last asked for, else the
 * tuner's pick). When the decoder reads the other kind, the model is rebuilt from the host weights
 * (ck.params) for it: 16-bit keeps no f32 matrices on the GPU, 32-bit takes the trace's f32 model
 * where the trace made one. The new one is checked whole (error scopes) before the old one goes;
 * the device refusing it (OUT_OF_MEMORY) leaves the old one in use. The CPU path has one kind.
 * Called between generations (the jobs queue), so no generation is using the decoder it replaces.
 */
export async function useWeights(weights?: DecodeWeights): Promise<Loaded> {
  const l = current();
  if (!l.model || !(l.decoder instanceof Decoder)) return l;
  if (weights) preferred = weights;
  const device = l.model.device;
  const want = wanted(device) === 'f16' && hasHalves(l.ck) ? 'f16' : 'f32';
  if ((l.decoder.weights === 'f32' ? 'f32' : 'f16') === want) return l;
  const reuse = want === 'f32' ? l.traceModel : undefined; // already f32, with the trace's decoder on it
  const { result: next, checked } = allocateScoped(
    device,
    `rebuilding “${l.name}” for ${want === 'f32' ? '32' : '16'}-bit weights`,
    () => (reuse ? { model: reuse, decoder: new Decoder(reuse) } : build(device, l.ck, want)),
    (b) => (b.decoder.destroy(), b.model !== reuse && b.model.destroy()),
  );
  await checked;
  const old = { model: l.model, decoder: l.decoder };
  l.model = next.model;
  l.decoder = next.decoder;
  if (reuse) {
    l.traceModel = undefined; // it is l.model now; l.traceDecoder stays on it
    drop(old);
  } else if (l.traceDecoder?.model === old.model) {
    // The trace's decoder reads the old f32 model: that model stays, as the trace's.
    old.decoder.destroy();
    l.traceModel = old.model;
  } else drop(old);
  return l;
}

/** The loaded model's f32 GPT: its own, or (when it keeps only its vectors) one made for the trace from the host weights and kept with it. */
function f32Model(l: Loaded): GPT {
  if (!l.model) throw new Error('the CPU path has no GPT');
  if (l.model.paramsBase === 0) return l.model;
  if (!l.traceModel) {
    const m = new GPT(l.model.device, l.ck.config);
    m.setWeights(l.ck.params);
    l.traceModel = m;
  }
  return l.traceModel;
}

/**
 * The GPU decoder a trace runs on (src/model/trace.ts), of f32 weights: the view shows the model's
 * own numbers, as the float64 path does. The Write tab's decoder when it reads f32 and no
 * generation is using it: its cache often holds the text already, so the trace is one step.
 * Else the trace's own, made on first use and kept with the model (on an f32 model made for it
 * when the Write tab's keeps only 16-bit matrices: the trace is what widens them): its cache holds
 * the last traced text, so moving along that text is one step a trace too.
 */
export function traceDecoder(l: Loaded, generating: boolean): Decoder {
  if (!l.model) throw new Error('the CPU path traces with the float64 reference');
  if (l.decoder instanceof Decoder && l.decoder.weights === 'f32' && !generating) return l.decoder;
  return (l.traceDecoder ??= new Decoder(f32Model(l)));
}

/** The weights `l`'s decoder reads, as the API names them. */
export function weightsOf(l: Loaded): GenerationResult['weights'] {
  if (!(l.decoder instanceof Decoder)) return 'cpu';
  return l.decoder.weights === 'f32' ? 'f32' : 'f16';
}

export function rename(name: string): ModelInfo {
  const clean = name.trim().slice(0, 120);
  if (!clean) throw new EngineError('BAD_CONFIG', 'A model name cannot be empty.');
  current().name = clean;
  return info();
}

export function info(): ModelInfo {
  const { ck, name, valLoss, id } = current();
  return { id, name, ...ck.config, tokenizer: ck.tokenizer.kind, params: countParams(ck.config), valLoss };
}

/** Whether a model is loaded (no error when not). */
export function loadedId(): string | undefined {
  return loaded?.id;
}
