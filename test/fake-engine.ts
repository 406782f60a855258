/**
 * A fake engine for the store's unit tests (src/ui/store/*.test.ts): every EngineApi method is a
 * vi.fn with a plain default (the shipped model loads, the library is empty, a corpus of the
 * given size is accepted), and a fresh store is built from the page's slices, with the browser
 * globals the slices touch (location, document, requestAnimationFrame) stubbed for Node.
 *
 * Use: `vi.mock('../../workers/bridge', () => ({ getEngine: () => fake.engine }))` with `fake`
 * from vi.hoisted, import this module before the store's (importing it stubs the globals), then
 * `fake.engine = fakeEngine()` and `store = freshStore(createSlices)` before each test.
 */
import { vi, type Mock } from 'vitest';
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type { CorpusSummary, EngineApi, ModelInfo, Preset, Recipe } from '../src/workers/api';

export type FakeEngine = { [K in keyof EngineApi]: Mock<EngineApi[K]> };

export function tinyModel(over: Partial<ModelInfo> = {}): ModelInfo {
  return { name: 'tiny', n_layer: 1, n_head: 2, n_embd: 8, block_size: 16, vocab_size: 5, tokenizer: 'char', params: 1234, ...over };
}

export function corpusOf(tokens: number, name = 'text.txt'): CorpusSummary {
  const valTokens = tokens - Math.floor(tokens * 0.9);
  return { name, chars: tokens, bytes: tokens, distinctChars: 5, tokenizer: 'char', vocabSize: 5, trainTokens: tokens - valTokens, valTokens, preview: '' };
}

export const RECIPE: Recipe = { n_layer: 1, n_head: 2, n_embd: 8, block_size: 16, batch: 2, steps: 10, lr: 1e-3, minLr: 1e-4, warmup: 0, weightDecay: 0.1, dropout: 0, evalEvery: 5, evalIters: 1, seed: 1 };
export const PRESETS: Preset[] = [{ id: 'quick', name: 'Quick', about: 'tiny', recipe: RECIPE }];

export function fakeEngine(): FakeEngine {
  const plan = { params: 1, bytes: { weights: 0, gradients: 0, adam: 0, backup: 0, activations: 0, total: 0 }, limits: { maxBufferSize: 1, maxStorageBufferBindingSize: 1 } };
  return {
    init: vi.fn(async () => ({ backend: 'webgpu' as const, adapter: { vendor: 'fake', architecture: '' }, features: [], limits: plan.limits, presets: PRESETS })),
    watchFaults: vi.fn(async () => undefined),
    debugFault: vi.fn(async () => undefined),
    gpuBytesInUse: vi.fn(async () => 0),
    loadModelFromUrl: vi.fn(async (_base: string, name: string) => tinyModel({ name })),
    loadModelFromSource: vi.fn(async (source: string) => ({ ...tinyModel({ name: source }), cached: false })),
    cancelLoad: vi.fn(async () => undefined),
    listModels: vi.fn(async () => ({ models: [] })),
    useModel: vi.fn(async (id: string) => tinyModel({ id, name: `stored ${id}` })),
    setActiveModel: vi.fn(async () => undefined),
    renameStoredModel: vi.fn(async () => undefined),
    deleteModel: vi.fn(async () => undefined),
    exportModel: vi.fn(async () => ({ name: 'tiny', zip: new Uint8Array() })),
    importModel: vi.fn(async (_parts, name: string) => tinyModel({ id: 'imported', name })),
    generate: vi.fn(async () => ({ tokens: 0, ms: 1, events: 0 })),
    cancelGeneration: vi.fn(async () => undefined),
    setCorpus: vi.fn(async (parts) => corpusOf(1000, parts.map((p) => p.name).join(' + '))),
    setCorpusFromUrl: vi.fn(async (_url: string, name: string) => corpusOf(1000, name)),
    setTokenizer: vi.fn(async () => corpusOf(1000)),
    learnTokenizer: vi.fn(async () => ({ summary: { ...corpusOf(1000), tokenizer: 'bpe' as const, vocabSize: 300 }, events: 0 })),
    cancelLearning: vi.fn(async () => undefined),
    planTraining: vi.fn(async () => plan),
    startTraining: vi.fn(async () => ({ reason: 'finished' as const, steps: 0, model: tinyModel(), events: 0 })),
    resumeSavedTraining: vi.fn(async () => ({ reason: 'finished' as const, steps: 0, model: tinyModel(), events: 0, corpus: corpusOf(1000), recipe: RECIPE })),
    savedTrainingHistory: vi.fn(async () => undefined),
    pauseTraining: vi.fn(async () => undefined),
    resumeTraining: vi.fn(async () => undefined),
    stopTraining: vi.fn(async () => undefined),
    // No store slice calls it (the How it works view keeps its trace in its own state).
    trace: vi.fn(async () => Promise.reject(new Error('the fake engine does not trace'))),
  };
}

// The browser globals the slices read (src/ui/store/models.ts reads location as it loads).
vi.stubGlobal('location', new URL('http://localhost/'));
vi.stubGlobal('document', { hidden: false, title: '' });
vi.stubGlobal('navigator', {});
vi.stubGlobal('requestAnimationFrame', (cb: () => void) => setTimeout(cb, 0));

/** A fresh store from the page's slices (`createSlices` from src/ui/store/index.ts). */
export function freshStore<S>(createSlices: StateCreator<S>): StoreApi<S> {
  return createStore<S>()(createSlices);
}
