/**
 * The engine thread. Everything GPU runs here, behind Comlink, so the UI never blocks.
 * This file wires the API (src/workers/api.ts) to the engine's parts, one concern each:
 * device (engine/device.ts), the loaded model (engine/models.ts), generation, corpus and training,
 * and the rule for what may run together on the device (engine/jobs.ts).
 * Errors cross as EngineError with the code in `name` (see src/errors.ts).
 */
import * as Comlink from 'comlink';
import { EngineError } from '../errors';
import { CONFIG_FILE, decodeCheckpoint, MODEL_FILE, TOKENIZER_FILE } from '../model/checkpoint';
import { PRESETS } from '../model/presets';
import type { EngineApi } from './api';
import * as corpus from './engine/corpus';
import { device, lostOr } from './engine/device';
import { runGeneration } from './engine/generation';
import { Jobs } from './engine/jobs';
import * as models from './engine/models';
import * as training from './engine/training';

const jobs = new Jobs();

async function fetchFile(base: string, name: string): Promise<Uint8Array | undefined> {
  const res = await fetch(`${base}/${name}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new EngineError('BAD_CHECKPOINT', `Could not download ${name}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Runs `fn`, reporting a failure caused by a lost device as DEVICE_LOST. */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw lostOr(e);
  }
}

const api: EngineApi = {
  async init() {
    const c = await device();
    const { maxBufferSize, maxStorageBufferBindingSize } = c.device.limits;
    return { adapter: c.adapterInfo, features: c.features, limits: { maxBufferSize, maxStorageBufferBindingSize }, presets: [...PRESETS] };
  },

  loadModelFromUrl(base, name) {
    return jobs.run('load', () =>
      guarded(async () => {
        const c = await device();
        const files = new Map<string, Uint8Array>();
        for (const f of [MODEL_FILE, CONFIG_FILE, TOKENIZER_FILE]) {
          const bytes = await fetchFile(base, f);
          if (bytes) files.set(f, bytes);
        }
        return models.install(decodeCheckpoint(files), name, c);
      }),
    );
  },

  loadModelFromFiles(files, name) {
    return jobs.run('load', () => guarded(async () => models.install(decodeCheckpoint(files), name, await device())));
  },

  async modelInfo() {
    return models.info();
  },

  async renameModel(name) {
    return models.rename(name);
  },

  generate(prompt, opts, onToken, onPromptAttention) {
    return jobs.run('generate', (signal) =>
      guarded(async () => {
        const { decoder, ck } = models.current();
        return runGeneration({ decoder, tokenizer: ck.tokenizer, prompt, opts, signal, onToken, onPromptAttention });
      }),
    );
  },

  async cancelGeneration() {
    jobs.abort('generate');
  },

  async setCorpus(parts, tokenizer) {
    return corpus.setCorpus(parts, tokenizer);
  },

  async setCorpusFromUrl(url, name, tokenizer) {
    const res = await fetch(url);
    if (!res.ok) throw new EngineError('BAD_CORPUS', `Could not download ${name}: HTTP ${res.status}.`);
    return corpus.setCorpus([{ name, bytes: new Uint8Array(await res.arrayBuffer()) }], tokenizer);
  },

  async setTokenizer(tokenizer) {
    return corpus.setTokenizer(tokenizer);
  },

  async planTraining(recipe) {
    return training.plan(recipe, (await device()).device.limits);
  },

  startTraining(recipe, name, onEvent) {
    return jobs.run('train', (signal) => guarded(async () => training.train(await device(), recipe, name, signal, onEvent)));
  },

  async pauseTraining() {
    training.pause();
  },

  async resumeTraining() {
    training.resume();
  },

  async stopTraining() {
    training.resume(); // a paused loop must wake to see the stop
    jobs.abort('train');
  },
};

Comlink.expose(api);
