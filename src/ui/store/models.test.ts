/** The models slice against a fake engine: which model opens at start, loads that fail or are cancelled leave the model in use, and the library actions. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoreApi } from 'zustand/vanilla';
import { EngineError } from '../../errors';
import { fakeEngine, freshStore, tinyModel, type FakeEngine } from '../../../test/fake-engine';
import { SHIPPED_MODEL_ID, type LibraryEntry } from '../../workers/api';
import { createSlices, type Store } from './index';
import { shownMessage } from './messages';
import { setLanguage } from '../i18n';
import { SHIPPED_MODEL } from './models';

const fake = vi.hoisted(() => ({ engine: undefined as unknown }));
vi.mock('../../workers/bridge', async (original) => ({ ...(await original<typeof import('../../workers/bridge')>()), getEngine: () => fake.engine }));

let engine: FakeEngine;
let store: StoreApi<Store>;
afterEach(() => setLanguage('en'));
beforeEach(() => {
  engine = fakeEngine();
  fake.engine = engine;
  store = freshStore<Store>(createSlices);
});

const entry = (id: string): LibraryEntry => ({ ...tinyModel({ name: `stored ${id}` }), id, source: 'trained', created: 0, updated: 0, bytes: 10, resumable: false });

describe('openStartModel', () => {
  it('opens the library model that was active last visit', async () => {
    engine.listModels.mockResolvedValue({ models: [entry('a'), entry('b')], activeId: 'b' });
    await store.getState().openStartModel();
    expect(engine.useModel).toHaveBeenCalledWith('b');
    expect(store.getState().model).toMatchObject({ id: 'b', name: 'stored b' });
    expect(engine.loadModelFromUrl).not.toHaveBeenCalled();
  });

  it('reopens a model loaded by URL from its source (the url: prefix of the worker API)', async () => {
    engine.listModels.mockResolvedValue({ models: [], activeId: 'url:openai-community/gpt2' });
    await store.getState().openStartModel();
    expect(engine.loadModelFromSource).toHaveBeenCalledWith('openai-community/gpt2', 'http://localhost/', expect.anything());
    expect(store.getState().model?.name).toBe('openai-community/gpt2');
  });

  it('falls back to the shipped model, by its absolute URL, when the active one is gone', async () => {
    engine.listModels.mockResolvedValue({ models: [], activeId: 'deleted' });
    await store.getState().openStartModel();
    expect(engine.useModel).not.toHaveBeenCalled();
    expect(engine.loadModelFromUrl).toHaveBeenCalledWith(SHIPPED_MODEL.url, SHIPPED_MODEL.name, expect.anything());
    expect(SHIPPED_MODEL.url).toMatch(/^http:\/\/localhost\/.*weights\/shakespeare-char$/);
    expect(store.getState().model?.name).toBe(SHIPPED_MODEL.name);
    expect(store.getState().modelLoading).toBe(false);
  });
});

describe('loading another model', () => {
  it('a failed load is told on the models surface with its code, and the model in use stays', async () => {
    store.getState().setModel(tinyModel({ name: 'in use' }));
    engine.importModel.mockRejectedValue(new EngineError('BAD_CHECKPOINT', 'config.json: the field "n_layer" is missing.'));
    await store.getState().loadModelFiles([new File(['x'], 'broken.zip')]);
    expect(shownMessage(store.getState().messages.models)).toEqual({ code: 'BAD_CHECKPOINT', text: 'config.json: the field "n_layer" is missing.' });
    expect(store.getState().model?.name).toBe('in use');
    expect(store.getState().modelLoading).toBe(false);
  });

  it('a model that loads clears the models message and the old output', async () => {
    store.getState().say('models', 'old failure');
    store.getState().appendGeneration([{ kind: 'prompt', prompt: { ids: [0], labels: ['old text'], positions: [] } }]);
    expect(store.getState().attention.texts).toEqual(['old text']);
    await store.getState().loadModelFiles([new File(['x'], 'good.zip')]);
    expect(engine.importModel).toHaveBeenCalledWith([expect.objectContaining({ name: 'good.zip' })], 'good');
    expect(store.getState().model?.name).toBe('good');
    expect(store.getState().messages.models).toBeUndefined();
    expect(store.getState().attention.texts).toEqual([]);
  });

  it('Load from URL: success and cancel are notices on the load surface; a failure names the source', async () => {
    engine.loadModelFromSource.mockResolvedValueOnce({ ...tinyModel({ name: 'gpt2' }), cached: true });
    await store.getState().loadModelFromSource('openai-community/gpt2');
    expect(shownMessage(store.getState().messages.load)?.text).toBe('Loaded gpt2 from this browser’s cache (no download).');

    engine.loadModelFromSource.mockRejectedValueOnce(new EngineError('ABORTED', 'cancelled'));
    await store.getState().loadModelFromSource('big/model');
    expect(shownMessage(store.getState().messages.load)).toEqual({ code: 'ABORTED', text: 'Cancelled: the model in use is unchanged.' });
    expect(store.getState().model?.name).toBe('gpt2');

    engine.loadModelFromSource.mockRejectedValueOnce(new EngineError('NETWORK', 'HTTP 404.'));
    await store.getState().loadModelFromSource(' nobody/none ');
    expect(shownMessage(store.getState().messages.models)).toEqual({ code: 'NETWORK', text: 'nobody/none could not be loaded: HTTP 404.' });
    // In Chinese: the page's words in Chinese, the engine's English kept as the detail.
    setLanguage('zh');
    expect(shownMessage(store.getState().messages.models)?.text).toBe('无法加载 nobody/none：无法下载模型文件。\n详情（英文）：HTTP 404.');
    setLanguage('en');
    expect(store.getState().messages.load).toBeUndefined();
    expect(store.getState().urlLoading).toBe(false);
  });

  it('the shipped model is remembered as active by the id the worker API names', async () => {
    await store.getState().openShippedModel();
    expect(engine.setActiveModel).toHaveBeenCalledWith(SHIPPED_MODEL_ID);
  });
});

describe('library', () => {
  it('renaming the stored model in use renames it on the page too; deleting refreshes the list; BUSY is told', async () => {
    store.getState().setModel(tinyModel({ id: 'a', name: 'old' }));
    await store.getState().renameStoredModel('a', 'new');
    expect(engine.renameStoredModel).toHaveBeenCalledWith('a', 'new');
    expect(store.getState().model?.name).toBe('new');

    engine.listModels.mockResolvedValue({ models: [entry('b')] });
    await store.getState().deleteStoredModel('a');
    expect(store.getState().library.models.map((m) => m.id)).toEqual(['b']);

    engine.deleteModel.mockRejectedValue(new EngineError('BUSY', 'This model is being trained.'));
    await store.getState().deleteStoredModel('b');
    expect(store.getState().messages.models?.code).toBe('BUSY');
  });
});

describe('a store that vanished between visits', () => {
  beforeEach(() => {
    const kept = new Map<string, string>();
    vi.stubGlobal('localStorage', { getItem: (k: string) => kept.get(k) ?? null, setItem: (k: string, v: string) => void kept.set(k, v) });
  });

  it('is told once at start, with the shipped model in use, when none of the models listed last visit is listed', async () => {
    engine.listModels.mockResolvedValue({ models: [entry('a'), entry('b')], activeId: 'b' });
    await store.getState().openStartModel();
    expect(store.getState().messages.models).toBeUndefined();

    engine.listModels.mockResolvedValue({ models: [] }); // the database was deleted while the page was closed
    const next = freshStore<Store>(createSlices);
    await next.getState().openStartModel();
    expect(next.getState().model?.name).toBe(SHIPPED_MODEL.name);
    expect(shownMessage(next.getState().messages.models)?.text).toMatch(/^The 2 models saved in this browser are gone: .* The shipped model is in use\.$/);

    const third = freshStore<Store>(createSlices);
    await third.getState().openStartModel();
    expect(third.getState().messages.models).toBeUndefined();
  });

  it('says nothing when the list cannot be read (that failure is told instead) or some saved model is still there', async () => {
    engine.listModels.mockResolvedValue({ models: [entry('a'), entry('b')] });
    await store.getState().openStartModel();
    engine.listModels.mockRejectedValue(new EngineError('STORAGE', 'Browser storage failed: reading the model list (boom). Models saved before are unchanged.'));
    const failing = freshStore<Store>(createSlices);
    await failing.getState().openStartModel();
    expect(shownMessage(failing.getState().messages.models)?.text).not.toMatch(/gone/);

    engine.listModels.mockResolvedValue({ models: [entry('b')] });
    const one = freshStore<Store>(createSlices);
    await one.getState().openStartModel();
    expect(one.getState().messages.models).toBeUndefined();
  });
});
