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
  /**
   * The trace's own decoder, for a trace asked while a generation uses `decoder` (traceDecoder):
   * the same model and weights (the 16-bit copy lent, DecoderOptions.shared16), its own cache.
   */
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
function drop(l: Pick<Loaded, 'model' | 'decoder' | 'traceDecoder'>): void {
  l.traceDecoder?.destroy(); // before the decoder whose 16-bit copy it borrows
  l.decoder.destroy();
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
 * (ck.params) for it: 16-bit keeps no f32 matrices on the GPU. The new one is checked whole (error
 * scopes) before the old one goes (with the trace's decoder, which read it); the device refusing
 * it (OUT_OF_MEMORY) leaves the old one in use. The CPU path has one kind. Called between
 * generations (the jobs queue), so no generation is using the decoder it replaces.
 */
export async function useWeights(weights?: DecodeWeights): Promise<Loaded> {
  const l = current();
  if (!l.model || !(l.decoder instanceof Decoder)) return l;
  if (weights) preferred = weights;
  const device = l.model.device;
  const want = wanted(device) === 'f16' && hasHalves(l.ck) ? 'f16' : 'f32';
  if ((l.decoder.weights === 'f32' ? 'f32' : 'f16') === want) return l;
  const { result: next, checked } = allocateScoped(device, `rebuilding “${l.name}” for ${want === 'f32' ? '32' : '16'}-bit weights`, () => build(device, l.ck, want), drop);
  await checked;
  const old = { model: l.model, decoder: l.decoder, traceDecoder: l.traceDecoder };
  l.model = next.model;
  l.decoder = next.decoder;
  l.traceDecoder = undefined;
  drop(old);
  return l;
}

/**
 * The GPU decoder a trace runs on (src/model/trace.ts): the one that generates, with the weights
 * it reads, so the view shows the numbers the model writes with and a trace costs one of its
 * steps. Its cache often holds the text already (the Write tab's), so a trace is one step. While a
 * generation uses it, the trace's own: made on first use and kept with the model, reading the same
 * weights (the 16-bit copy lent, not copied) into its own cache, which holds the last traced text.
 */
export function traceDecoder(l: Loaded, generating: boolean): Decoder {
  if (!l.model || !(l.decoder instanceof Decoder)) throw new Error('the CPU path traces with the float64 reference');
  if (!generating) return l.decoder;
  const d = l.decoder;
  return (l.traceDecoder ??= new Decoder(l.model, { weights: d.weights, shared16: d.weights16 }));
}

/** The weights `l`'s decoder reads, as the API names them. */
export function weightsOf(l: Loaded): NonNullable<GenerationResult['weights']> {
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
