/**
 * The model that generates: its checkpoint, its GPT on the device and its decoder; or, without
 * WebGPU, its decoder on the CPU (src/reference/decode.ts) and no GPT.
 */
import { EngineError } from '../../errors';
import { allocateScoped, type GpuContext } from '../../gpu/device';
import type { Checkpoint } from '../../model/checkpoint';
import { countParams, validateConfig, type GPTConfig } from '../../model/config';
import { Decoder, type TokenDecoder } from '../../model/generate';
import { GPT } from '../../model/gpt';
import { fitsF16 } from '../../model/f16';
import { RefDecoder, refParamsFromFlat } from '../../reference/decode';
import type { DecodeWeights, GenerationResult, ModelInfo } from '../api';
import { clearLost, deviceLostMessage, whenLost } from './device';

export interface Loaded {
  ck: Checkpoint;
  /** Undefined on the CPU path. */
  model?: GPT;
  decoder: TokenDecoder;
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
  const { result: built, checked } = allocateScoped(
    c.device,
    `allocating the model “${name}”`,
    () => {
      const m = new GPT(c.device, ck.config);
      try {
        m.setWeights(ck.params);
        return { model: m, decoder: new Decoder(m) };
      } catch (e) {
        m.destroy();
        throw e;
      }
    },
    (b) => {
      b.decoder.destroy();
      b.model.destroy();
    },
  );
  const { model, decoder } = built;
  const prev = loaded;
  loaded = { ck, model, decoder, name, valLoss, id };
  clearLost();
  const dropPrev = () => {
    prev?.decoder.destroy();
    prev?.traceDecoder?.destroy();
    prev?.model?.destroy();
  };
  settle(
    checked.then(dropPrev, (e: unknown) => {
      if (loaded?.model === model) loaded = prev; // the device refused the new model: the old one stays in use
      else dropPrev();
      throw e;
    }),
  );
  return info();
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
 * The loaded model with its GPU decoder reading `weights` (rebuilt when it reads the other kind; the
 * CPU path has one kind). 16-bit is the packed form: it ran ahead of the shader-f16 one on lavapipe
 * (docs/benchmarks.md) and runs on every adapter. Called between generations (the jobs queue), so
 * no generation is using the decoder it replaces.
 */
export function useWeights(weights: DecodeWeights): Loaded {
  const l = current();
  if (!l.model || !(l.decoder instanceof Decoder)) return l;
  // 16-bit only where every weight has a half (fitsF16): else the f32 weights, and the page is told which ran.
  const want = weights === 'f16' && fitsF16(l.ck.params) ? 'f16packed' : 'f32';
  if (l.decoder.weights !== want) {
    const next = new Decoder(l.model, { weights: want });
    l.decoder.destroy();
    l.decoder = next;
  }
  return l;
}

/**
 * The GPU decoder a trace runs on (src/model/trace.ts), of f32 weights: the view shows the model's
 * own numbers, as the float64 path does. The Write tab's decoder when it reads f32 and no
 * generation is using it: its cache often holds the text already, so the trace is one step.
 * Else the trace's own, made on first use and kept with the model: its cache holds the last
 * traced text, so moving along that text is one step a trace too.
 */
export function traceDecoder(l: Loaded, generating: boolean): Decoder {
  if (!l.model) throw new Error('the CPU path traces with the float64 reference');
  if (l.decoder instanceof Decoder && l.decoder.weights === 'f32' && !generating) return l.decoder;
  return (l.traceDecoder ??= new Decoder(l.model));
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
