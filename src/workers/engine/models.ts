/** The model that generates: its checkpoint, its GPT on the device and its decoder. */
import { EngineError } from '../../errors';
import type { GpuContext } from '../../gpu/device';
import type { Checkpoint } from '../../model/checkpoint';
import { countParams } from '../../model/config';
import { Decoder } from '../../model/generate';
import { GPT } from '../../model/gpt';
import type { ModelInfo } from '../api';
import { clearLost, deviceLostMessage, whenLost } from './device';

export interface Loaded {
  ck: Checkpoint;
  model: GPT;
  decoder: Decoder;
  name: string;
  valLoss?: number;
}

let loaded: Loaded | undefined;

whenLost(() => {
  loaded = undefined;
});

/** Builds the new model first, so one that does not fit (TOO_LARGE) leaves the current one working. */
export function install(ck: Checkpoint, name: string, c: GpuContext, valLoss?: number): ModelInfo {
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
  loaded?.model.destroy();
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
