/** The generation slice against a fake engine: tokens stream into the output and the trace, failures are told on the write surface, a cancel is not a failure. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoreApi } from 'zustand/vanilla';
import { EngineError } from '../../errors';
import { fakeEngine, freshStore, tinyModel, type FakeEngine } from '../../../test/fake-engine';
import type { GenerationEvent } from '../../workers/api';
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
  store.getState().setModel(tinyModel());
});

const token = (text: string, id: number): GenerationEvent => ({ kind: 'token', text, label: text, token: id });

describe('generate', () => {
  it('streams the tokens into the trace (the text written, kept once), with the prompt and sampling settings', async () => {
    store.getState().setPrompt('ab');
    store.getState().setSampling({ temperature: 0, seed: 7 });
    engine.generate.mockImplementation(async (_prompt, _opts, onEvent) => {
      const events: GenerationEvent[] = [{ kind: 'prompt', prompt: { ids: [0, 1], labels: ['a', 'b'], positions: [{}] } }, ...['c', 'd', 'e'].map((t, i) => token(t, 2 + i))];
      events.forEach((e, i) => onEvent(e, i));
      return { tokens: 3, ms: 30, events: events.length };
    });
    await store.getState().generate();
    // The weights choice travels with the sampling settings: none until the Write tab sets one (the engine's default then, the tuner's pick).
    expect(engine.generate).toHaveBeenCalledWith('ab', { maxNewTokens: 300, temperature: 0, topK: 0, topP: 1, seed: 7, captureAttention: true, weights: undefined }, expect.any(Function));
    const s = store.getState();
    expect(s.attention.texts.slice(s.attention.promptLength).join('')).toBe('cde');
    expect(s.attention.ids).toEqual([0, 1, 2, 3, 4]);
    expect(s.attention.promptLength).toBe(2);
    expect(s.lastRun).toEqual({ tokens: 3, ms: 30 });
    expect(s.generating).toBe(false);
  });

  it('sends the weights choice of the Write tab and keeps the weights the engine says it read', async () => {
    engine.generate.mockResolvedValue({ tokens: 1, ms: 5, events: 0, weights: 'f32' });
    store.getState().setWeights('f32');
    await store.getState().generate();
    expect(engine.generate).toHaveBeenCalledWith(expect.any(String), expect.objectContaining({ weights: 'f32' }), expect.any(Function));
    expect(store.getState().lastRun).toEqual({ tokens: 1, ms: 5, weights: 'f32' });
  });

  it('waits for token events that arrive after the result (they travel on their own port)', async () => {
    engine.generate.mockImplementation(async (_prompt, _opts, onEvent) => {
      onEvent({ kind: 'prompt', prompt: { ids: [0], labels: ['a'], positions: [] } }, 0);
      setTimeout(() => onEvent(token('late', 1), 1), 20);
      return { tokens: 1, ms: 1, events: 2 };
    });
    await store.getState().generate();
    const a = store.getState().attention;
    expect(a.texts.slice(a.promptLength).join('')).toBe('late');
  });

  it('a failure is told on the write surface with its code; the next generation clears it', async () => {
    engine.generate.mockRejectedValueOnce(new EngineError('DEVICE_LOST', 'The GPU was lost.'));
    await store.getState().generate();
    expect(shownMessage(store.getState().messages.write)).toEqual({ code: 'DEVICE_LOST', text: 'The GPU was lost.' });
    await store.getState().generate();
    expect(store.getState().messages.write).toBeUndefined();
  });

  it('a cancelled generation (ABORTED) is no failure; without a model nothing is asked', async () => {
    engine.generate.mockRejectedValueOnce(new EngineError('ABORTED', 'stopped'));
    await store.getState().generate();
    expect(store.getState().messages.write).toBeUndefined();
    store.setState({ model: undefined });
    await store.getState().generate();
    expect(engine.generate).toHaveBeenCalledTimes(1);
  });
});
