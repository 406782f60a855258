/**
 * The engine thread. Everything GPU runs here, behind Comlink, so the UI never blocks.
 * This file wires the API (src/workers/api.ts) to the engine's parts, one concern each:
 * device (engine/device.ts), the loaded model (engine/models.ts), generation, corpus and training,
 * and the rule for what may run together on the device (engine/jobs.ts).
 * Errors cross as EngineError with the code in `name` (see src/errors.ts).
 */
import * as Comlink from 'comlink';
import { EngineError } from '../errors';
import { decodeCheckpoint } from '../model/checkpoint';
import { gpuBytesInUse } from '../gpu/buffers';
import { fetchCheckpoint } from '../model/checkpoint-url';
import { URL_SOURCE_PREFIX } from '../model/limits';
import { PRESETS } from '../model/presets';
import type { GPTConfig } from '../model/config';
import type { EngineApi } from './api';
import * as corpus from './engine/corpus';
import { backend, compileAheadFor, device, kernelTuning, loseDeviceForTest, lostOrSettled, onFault, onTuneProgress, setTuningGate, tunedDevice, uncapturedErrorForTest, webGpuProblem } from './engine/device';
import { runGeneration } from './engine/generation';
import { loadFromSource } from './engine/hub';
import { Jobs } from './engine/jobs';
import * as library from './engine/library';
import * as models from './engine/models';
import { withModelLock } from './engine/tab-locks';
import { runTrace } from './engine/trace';
import * as training from './engine/training';

const jobs = new Jobs();
/** The kernel tuner of a first visit runs in the background, between the page's jobs. */
const TUNE_AFTER_QUIET_MS = 1500;
setTuningGate((stop) => jobs.whenIdle(TUNE_AFTER_QUIET_MS, stop));
/** Whether debugFault is honoured: the page was opened with ?test-hooks (init's testHooks). */
let testHooks = false;

/**
 * Runs `fn`, reporting a failure caused by a lost device as DEVICE_LOST, and the device's refusal
 * of a model's buffers (error scopes around every install) as OUT_OF_MEMORY / GPU_VALIDATION.
 */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    const result = await fn();
    await models.allocationChecked();
    return result;
  } catch (e) {
    throw await lostOrSettled(e);
  }
}

/**
 * A load's checkFits, which also starts compiling the model's first-generation pipelines once its
 * config is known (compileAheadFor): they compile while the weights download. `compiled()` is
 * awaited before the model is built, which then finds them compiled.
 */
function whileLoading(c: Awaited<ReturnType<typeof backend>>): { checkFits: (config: GPTConfig) => void; compiled: () => Promise<void> } {
  let ahead: Promise<void> | undefined;
  return {
    checkFits(config) {
      models.checkFits(config, c);
      ahead = compileAheadFor(c, config, c === 'cpu' ? {} : models.nextDecoder(c.device));
    },
    compiled: () => ahead ?? Promise.resolve(),
  };
}

const api: EngineApi = {
  async init(opts, onTuning) {
    testHooks = opts?.testHooks === true;
    // Kept: a first visit's tuning reports after init has answered; its end carries the weights default it picked.
    onTuneProgress(
      onTuning &&
        ((p) => {
          if (p.phase !== 'done') return onTuning(p);
          void backend().then((c) => onTuning(c === 'cpu' ? p : { ...p, weights: models.weightsDefault(c.device) }));
        }),
    );
    const c = await backend();
    if (c === 'cpu') {
      return { backend: 'cpu', noWebGpu: webGpuProblem(), adapter: { vendor: 'CPU', architecture: '' }, features: [], limits: { maxBufferSize: 0, maxStorageBufferBindingSize: 0 }, presets: [...PRESETS] };
    }
    const { maxBufferSize, maxStorageBufferBindingSize } = c.device.limits;
    return { backend: 'webgpu', adapter: c.adapterInfo, features: c.features, limits: { maxBufferSize, maxStorageBufferBindingSize }, presets: [...PRESETS], tuning: kernelTuning(), weights: models.weightsDefault(c.device) };
  },

  async watchFaults(onFaultCb) {
    onFault(onFaultCb);
  },

  async debugFault(kind) {
    if (!testHooks) throw new EngineError('BAD_CONFIG', 'Test hooks are off: open the page with ?test-hooks to use them.');
    if (kind === 'lose-device') loseDeviceForTest();
    else if (kind === 'uncaptured-error') await uncapturedErrorForTest();
    else if (kind === 'hold-next-save') await library.holdNextSaveForTest();
    else library.failSavesForTest(kind === 'storage-full');
  },

  async gpuBytesInUse() {
    const c = await backend();
    return c === 'cpu' ? 0 : gpuBytesInUse(c.device);
  },

  loadModelFromUrl(base, name, onProgress) {
    return jobs.run('load', () =>
      guarded(async () => {
        const c = await backend();
        const load = whileLoading(c);
        const ck = await fetchCheckpoint(base, { onProgress, checkFits: load.checkFits });
        await load.compiled();
        return models.install(ck, name, c);
      }),
    );
  },

  loadModelFromSource(source, pageUrl, onProgress) {
    return jobs.run('load', (signal) =>
      guarded(async () => {
        const c = await backend();
        const load = whileLoading(c);
        const { ck, name, cached } = await loadFromSource(source, { pageUrl, signal, onProgress, checkFits: load.checkFits });
        await load.compiled();
        const info = models.install(ck, name, c);
        await library.setActive(`${URL_SOURCE_PREFIX}${source.trim()}`).catch(() => undefined); // reopened next visit, from the cache
        return { ...info, cached };
      }),
    );
  },

  async cancelLoad() {
    jobs.abort('load');
  },

  listModels() {
    return library.list();
  },

  useModel(id) {
    return jobs.run('load', () =>
      guarded(async () => {
        const { ck, name, valLoss } = await library.load(id);
        const info = models.install(ck, name, await backend(), valLoss, id);
        await library.setActive(id);
        return info;
      }),
    );
  },

  setActiveModel(id) {
    return library.setActive(id);
  },

  async renameStoredModel(id, name) {
    await library.rename(id, name);
    if (models.loadedId() === id) models.rename(name);
  },

  async deleteModel(id) {
    if (training.trainingModelId() === id) throw new EngineError('BUSY', 'This model is being trained. Stop training before deleting it.');
    await withModelLock(id, 'deleted', () => library.remove(id));
  },

  async exportModel(id) {
    const { name, valLoss } = models.info();
    const out = id ? await library.exportZip(id) : { name, zip: library.zipCheckpoint(models.current().ck, { name, valLoss, source: 'imported' }) };
    return Comlink.transfer(out, [out.zip.buffer as ArrayBuffer]);
  },

  importModel(parts, name) {
    return jobs.run('load', () =>
      guarded(async () => {
        const ck = decodeCheckpoint(library.unpack(parts));
        const id = library.newId();
        const c = await backend();
        // Saved before it is installed: when storage is full (STORAGE) the model in use stays, and
        // the page never shows one model while another generates. TOO_LARGE is checked first.
        models.checkFits(ck.config, c);
        await library.save(id, ck, { name, source: 'imported' });
        const info = models.install(ck, name, c, undefined, id);
        await library.setActive(id);
        return info;
      }),
    );
  },

  generate(prompt, opts, onEvent) {
    return jobs.run('generate', (signal) =>
      guarded(async () => {
        const l = await models.useWeights(opts.weights);
        const res = await runGeneration({ decoder: l.decoder, tokenizer: l.ck.tokenizer, prompt, opts, signal, onEvent });
        return { ...res, weights: models.weightsOf(l) };
      }),
    );
  },

  async cancelGeneration() {
    jobs.abort('generate');
  },

  trace(req) {
    if (jobs.running === 'train') return Promise.reject(new EngineError('BUSY', 'Training is using the GPU. Stop it (or let it finish) to follow a token through the model.'));
    return guarded(() => runTrace(models.current(), req, jobs.running === 'generate'));
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

  async learnTokenizer(vocabSize, onEvent) {
    // CPU work in this thread: training would wait behind it (and its corpus must not change under it).
    if (jobs.running === 'train') throw new EngineError('BUSY', 'Training is running. Stop it before learning a new vocabulary.');
    return corpus.learnTokenizer(vocabSize, onEvent);
  },

  async cancelLearning() {
    corpus.cancelLearning();
  },

  async planTraining(recipe) {
    return training.plan(recipe, (await device()).device.limits);
  },

  startTraining(recipe, name, onEvent, probeText) {
    return jobs.run('train', (signal) => guarded(async () => training.train(await tunedDevice(), recipe, name, signal, onEvent, probeText)));
  },

  resumeSavedTraining(id, onEvent) {
    return jobs.run('train', (signal) => guarded(async () => training.resumeSaved(await tunedDevice(), id, signal, onEvent)));
  },

  savedTrainingHistory(id) {
    return training.savedHistory(id);
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
