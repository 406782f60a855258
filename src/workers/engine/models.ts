/**
 * The model that generates: its checkpoint, its GPT on the device and its decoder; or, without
 * WebGPU, its decoder on the CPU (src/reference/decode.ts) and no GPT.
 */
import { EngineError } from '../../errors';
import type { GpuContext } from '../../gpu/device';
import type { Checkpoint } from '../../model/checkpoint';
import { countParams } from '../../model/config';
import { Decoder, type TokenDecoder } from '../../model/generate';
import { RefDecoder, refParamsFromFlat } from '../../reference/decode';
import { GPT } from '../../model/gpt';
import type { ModelInfo } from '../api';
import { clearLost, deviceLostMessage, whenLost } from './device';

export interface Loaded {
  ck: Checkpoint;
  /** Undefined on the CPU path. */
  model?: GPT;
  decoder: TokenDecoder;
  name: string;
  valLoss?: number;
}

let loaded: Loaded | undefined;

/** The CPU path's size limit: float64 loops run the shipped 0.8M model at ~200 tokens/s, so 10M at ~15. */
const CPU_MAX_PARAMS = 10e6;

whenLost(() => {
  loaded = undefined;
});

/** Builds the new model first, so one that does not fit (TOO_LARGE) leaves the current one working. */
export function install(ck: Checkpoint, name: string, c: GpuContext | 'cpu', valLoss?: number): ModelInfo {
  if (c === 'cpu') {
    if (countParams(ck.config) > CPU_MAX_PARAMS) {
      throw new EngineError('TOO_LARGE', `This model has ${(countParams(ck.config) / 1e6).toFixed(1)}M parameters: without WebGPU only models up to ${CPU_MAX_PARAMS / 1e6}M run (on the CPU). Open the page in a browser with WebGPU to use it.`);
    }
    loaded?.decoder.destroy();
    loaded = { ck, decoder: new RefDecoder(ck.config, refParamsFromFlat(ck.config, ck.params)), name, valLoss };
    return info();
  }
  const model = new GPT(c.device, ck.config);
  let decoder: Decoder;
  try {
    model.setWeights(ck.params);
    decoder = new Decoder(model);
  } catch (e) {
    model.destroy();
    throw e;
  }
  loaded?.decoder.destroy();
  loaded?.model?.destroy();
  loaded = { ck, model, decoder, name, valLoss };
  clearLost();
  return info();
}

/** The loaded model, or a plain-words error: no model yet, or the device (and the model) was lost. */
export function current(): Loaded {
  if (loaded) return loaded;
  const lost = deviceLostMessage();
  if (lost) throw new EngineError('DEVICE_LOST', lost);
  throw new EngineError('BAD_CHECKPOINT', 'No model is loaded yet. Wait for the shipped model, or load or train one.');
}

export function rename(name: string): ModelInfo {
  const clean = name.trim().slice(0, 120);
  if (!clean) throw new EngineError('BAD_CONFIG', 'A model name cannot be empty.');
  current().name = clean;
  return info();
}

export function info(): ModelInfo {
  const { ck, name, valLoss } = current();
  return { name, ...ck.config, tokenizer: ck.tokenizer.kind, params: countParams(ck.config), valLoss };
}
