/** The messages slice (one message per surface, with its code), the ui slice's tab, and how faults use both, against a fake engine. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoreApi } from 'zustand/vanilla';
import { EngineError } from '../../errors';
import { fakeEngine, freshStore, tinyModel, type FakeEngine } from '../../../test/fake-engine';
import { createSlices, type Store } from './index';
import { shownMessage } from './messages';

const fake = vi.hoisted(() => ({ engine: undefined as unknown }));
vi.mock('../../workers/bridge', async (original) => ({ ...(await original<typeof import('../../workers/bridge')>()), getEngine: () => fake.engine }));

let engine: FakeEngine;
let store: StoreApi<Store>;
beforeEach(() => {
  engine = fakeEngine();
  fake.engine = engine;
  store = freshStore<Store>(createSlices);
});

describe('messages', () => {
  it('holds one message per surface, with the engine error code, and clears one without touching the others', () => {
    const s = store.getState();
    s.say('load', 'Loaded tiny.');
    s.sayError('models', new EngineError('BAD_CHECKPOINT', 'model.safetensors is truncated.'), 'x could not be loaded');
    s.sayError('write', new Error('plain'));
    expect(Object.fromEntries(Object.entries(store.getState().messages).map(([k, m]) => [k, shownMessage(m)]))).toEqual({
      load: { code: undefined, text: 'Loaded tiny.' },
      models: { code: 'BAD_CHECKPOINT', text: 'x could not be loaded: model.safetensors is truncated.' },
      write: { code: undefined, text: 'plain' },
    });
    s.clearMessage('models');
    expect(Object.keys(store.getState().messages).sort()).toEqual(['load', 'write']);
  });

  it('reads the code of an error that crossed the worker boundary (only name and message survive)', () => {
    const crossed = Object.assign(new Error('Training is using the GPU.'), { name: 'EngineError:BUSY' });
    store.getState().sayError('train', crossed);
    expect(shownMessage(store.getState().messages.train)).toEqual({ code: 'BUSY', text: 'Training is using the GPU.' });
  });
});

describe('ui', () => {
  it('opens tabs; the Models tab refreshes the library list', async () => {
    expect(store.getState().tab).toBe('write');
    store.getState().setTab('train');
    expect(store.getState().tab).toBe('train');
    expect(engine.listModels).not.toHaveBeenCalled();
    store.getState().setTab('models');
    expect(engine.listModels).toHaveBeenCalledTimes(1);
  });
});

describe('faults', () => {
  it('an uncaptured GPU error is told on the engine surface with its code', async () => {
    await store.getState().handleFault({ kind: 'gpu-error', code: 'OUT_OF_MEMORY', message: 'no memory' });
    expect(shownMessage(store.getState().messages.engine)).toEqual({ code: 'OUT_OF_MEMORY', text: 'GPU error OUT_OF_MEMORY: no memory' });
  });

  it('a lost device brings the model back, retrying while the load is refused with BUSY (the code, not the words)', async () => {
    engine.loadModelFromUrl.mockRejectedValueOnce(new EngineError('BUSY', 'Something else holds the GPU.'));
    store.getState().sayError('write', new Error('generation failed'));
    await store.getState().handleFault({ kind: 'device-lost', message: 'The GPU was lost.' });
    expect(engine.loadModelFromUrl).toHaveBeenCalledTimes(2);
    expect(store.getState().model?.name).toBe('Shakespeare (char-level)');
    expect(shownMessage(store.getState().messages.engine)?.text).toMatch(/^The GPU was lost\. A new GPU device was created and “Shakespeare \(char-level\)” is back; nothing saved was lost\.$/);
    expect(store.getState().messages.write).toBeUndefined();
    expect(store.getState().recovering).toBe(false);
  });

  it('a lost device whose model cannot come back says so (any code but BUSY is final)', async () => {
    store.setState({ model: tinyModel() });
    engine.loadModelFromUrl.mockRejectedValue(new EngineError('NETWORK', 'offline'));
    await store.getState().handleFault({ kind: 'device-lost', message: 'The GPU was lost.' });
    expect(engine.loadModelFromUrl).toHaveBeenCalledTimes(1);
    expect(shownMessage(store.getState().messages.engine)?.text).toMatch(/could not be brought back \(The shipped model could not be loaded: offline\)\. Reload the page\./);
  });
});

describe('errors at the edge (the code is kept; its words follow the language)', () => {
  it('English shows the engine message; 中文 shows the code’s sentence and the engine message as the detail; a switch re-words a message already shown', async () => {
    const { setLanguage } = await import('../i18n');
    setLanguage('en');
    store.getState().sayError('models', new EngineError('NETWORK', 'Could not download https://x/config.json: HTTP 404.'), () => 'x could not be loaded');
    expect(shownMessage(store.getState().messages.models)).toEqual({ code: 'NETWORK', text: 'x could not be loaded: Could not download https://x/config.json: HTTP 404.' });
    setLanguage('zh');
    try {
      expect(shownMessage(store.getState().messages.models)).toEqual({
        code: 'NETWORK',
        text: 'x could not be loaded：无法下载模型文件。\n详情（英文）：Could not download https://x/config.json: HTTP 404.',
      });
      store.getState().sayError('write', new Error('plain'));
      expect(shownMessage(store.getState().messages.write)?.text).toBe('出错了。\n详情（英文）：plain');
    } finally {
      setLanguage('en');
    }
  });
});
