/**
 * The training slice against a fake engine: the recipe is checked against the text at once (the
 * worker API's validator), a run's events reach the chart and the saves, and what goes wrong is
 * told on the train surface with its code.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoreApi } from 'zustand/vanilla';
import { EngineError } from '../../errors';
import { corpusOf, fakeEngine, freshStore, PRESETS, RECIPE, tinyModel, type FakeEngine } from '../../../test/fake-engine';
import { MAX_CORPUS_BYTES, NO_CORPUS_MESSAGE, type TrainEvent } from '../../workers/api';
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
  store.getState().initTraining(PRESETS);
});

describe('recipe and text', () => {
  it('takes the first preset and plans it in the worker', () => {
    expect(store.getState().recipe).toEqual(RECIPE);
    expect(engine.planTraining).toHaveBeenCalledWith(RECIPE);
    expect(store.getState().recipeProblems).toEqual([]);
  });

  it('a text too short for the context is a problem at once, naming the longest context it allows; a shorter context clears it', async () => {
    engine.setCorpus.mockResolvedValue(corpusOf(100, 'short.txt')); // validation tenth: 10 tokens
    await store.getState().choosePastedText('short');
    expect(store.getState().corpus?.name).toBe('short.txt');
    const [p, ...rest] = store.getState().recipeProblems;
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ field: 'block_size', code: 'BAD_CORPUS' });
    expect(p!.message).toMatch(/too short for context length 16: its validation part .* has 10 tokens and needs at least 18\. .*a context length of at most 8 /);
    store.getState().setRecipe({ block_size: 8 });
    expect(store.getState().recipeProblems).toEqual([]);
    expect(store.getState().presetId).toBeUndefined();
  });

  it('any field the worker would refuse is a problem with its field and code', () => {
    store.getState().setRecipe({ dropout: 1, n_embd: 10, n_head: 4 });
    expect(store.getState().recipeProblems.map((p) => [p.field, p.code])).toEqual([
      ['dropout', 'BAD_CONFIG'],
      ['n_embd', 'BAD_CONFIG'],
    ]);
  });

  it('a text over the limit is refused from its size, unread; a bad one keeps the text already chosen', async () => {
    await store.getState().chooseBundledCorpus('names');
    const big = { name: 'big.txt', size: MAX_CORPUS_BYTES + 1, arrayBuffer: () => Promise.reject(new Error('read')) } as unknown as File;
    await store.getState().chooseCorpusFiles([big]);
    expect(shownMessage(store.getState().messages.train)).toEqual({ code: 'BAD_CORPUS', text: expect.stringMatching(/^The text is too large: 100\.0 MB, the limit is 100 MB\./) });
    expect(engine.setCorpus).not.toHaveBeenCalled();

    engine.setCorpus.mockRejectedValue(new EngineError('BAD_CORPUS', 'This looks like a binary file, not text.'));
    await store.getState().chooseCorpusFiles([new File(['\0'], 'x.bin')]);
    expect(shownMessage(store.getState().messages.train)).toEqual({ code: 'BAD_CORPUS', text: 'This looks like a binary file, not text.' });
    expect(store.getState().corpus?.name).toBe('names.txt');
    expect(store.getState().corpusBusy).toBe(false);
  });
});

describe('a run', () => {
  it('Start without a text says to choose one and asks nothing of the engine', async () => {
    await store.getState().startTraining();
    expect(shownMessage(store.getState().messages.train)).toEqual({ code: 'BAD_CORPUS', text: NO_CORPUS_MESSAGE });
    expect(engine.startTraining).not.toHaveBeenCalled();
  });

  it('events fill the curves, samples and saves, an alert is told while it runs; the trained model then generates', async () => {
    await store.getState().choosePastedText('text');
    const events: TrainEvent[] = [
      { kind: 'state', state: 'running' },
      { kind: 'steps', steps: [1, 2].map((step) => ({ step, total: 10, loss: 3 - step, lr: 1e-3, tokensPerSec: 100, elapsedMs: step })) },
      { kind: 'eval', step: 2, trainLoss: 1.5, valLoss: 1.6, sample: 'to be' },
      { kind: 'saved', step: 2, id: 'run1' },
      { kind: 'alert', message: 'Storage is full: not saved.' },
    ];
    let alertWhileRunning: string | undefined;
    engine.startTraining.mockImplementation(async (_recipe, _name, onEvent) => {
      events.forEach((e, i) => onEvent(e, i));
      await new Promise((r) => setTimeout(r, 20)); // a frame: the batch reaches the store
      alertWhileRunning = shownMessage(store.getState().messages.train)?.text;
      return { reason: 'finished', steps: 2, model: tinyModel({ id: 'run1', name: 'text' }), events: events.length };
    });
    await store.getState().startTraining();
    expect(engine.startTraining).toHaveBeenCalledWith(RECIPE, 'pasted text', expect.any(Function), undefined); // no probe text: the worker's default
    const s = store.getState();
    expect(s.curves.step).toEqual([1, 2]);
    expect(s.curves.loss).toEqual([2, 1]);
    expect(s.curves.valLoss).toEqual([1.6]);
    expect(s.samples).toEqual([{ step: 2, valLoss: 1.6, text: 'to be' }]);
    expect([s.savedStep, s.savedId]).toEqual([2, 'run1']);
    expect(s.progress?.step).toBe(2);
    expect(alertWhileRunning).toBe('Storage is full: not saved.');
    expect(s.messages.train).toBeUndefined(); // a run that ends well clears it, as before
    expect(s.trainStatus).toBe('idle');
    expect(s.model).toMatchObject({ id: 'run1' });
  });

  it('the probe text typed goes with Start; its scores and the Training step pick come from the events', async () => {
    await store.getState().choosePastedText('text');
    store.getState().setProbeDraft('to be or not');
    const scores = { k: 1, p: Float32Array.of(0.5), topIds: Uint32Array.of(3), topProbs: Float32Array.of(0.5) };
    const events: TrainEvent[] = [
      { kind: 'probeText', probe: { ids: [1, 2], labels: ['t', 'o'], vocab: ['a', 't', 'o', 'b'] } },
      { kind: 'eval', step: 0, trainLoss: 2, valLoss: 2, sample: '', scores },
      { kind: 'eval', step: 5, trainLoss: 1, valLoss: 1, sample: '' },
    ];
    engine.startTraining.mockImplementation(async (_recipe, _name, onEvent) => {
      events.forEach((e, i) => onEvent(e, i));
      return { reason: 'finished', steps: 5, model: tinyModel({ id: 'run2' }), events: events.length };
    });
    store.getState().pickStep(0);
    await store.getState().startTraining();
    expect(engine.startTraining).toHaveBeenCalledWith(RECIPE, 'pasted text', expect.any(Function), 'to be or not');
    const s = store.getState();
    expect(s.probeText?.labels).toEqual(['t', 'o']);
    expect(s.probeScores).toEqual([{ step: 0, scores }]); // the evaluation without scores (a history saved before the probe) adds none
    expect(s.pickedStep).toBeUndefined(); // a new run follows its newest evaluation
    expect(s.historyOf).toBe('run2'); // its story is the one shown: not read back from storage
  });

  it('a diverged run says so with DIVERGED; a refused one with the engine code', async () => {
    await store.getState().choosePastedText('text');
    engine.startTraining.mockResolvedValueOnce({ reason: 'diverged', steps: 3, model: tinyModel(), message: 'Training diverged at step 3: lower the learning rate.', events: 0 });
    await store.getState().startTraining();
    expect(shownMessage(store.getState().messages.train)).toEqual({ code: 'DIVERGED', text: 'Training diverged at step 3: lower the learning rate.' });

    engine.startTraining.mockRejectedValueOnce(new EngineError('TOO_LARGE', 'too big'));
    await store.getState().startTraining();
    expect(shownMessage(store.getState().messages.train)).toEqual({ code: 'TOO_LARGE', text: 'too big' });
    expect(store.getState().trainStatus).toBe('idle');
  });
});

describe('a vocabulary learned from the text', () => {
  const learnedSummary = { ...corpusOf(1000), tokenizer: 'bpe' as const, vocabSize: 300 };

  it('reads the text as characters, then learns the vocabulary size chosen, with progress', async () => {
    store.getState().setBpeVocab(300);
    await store.getState().setTokenizer('bpe');
    expect(engine.learnTokenizer).not.toHaveBeenCalled(); // no text yet
    let progressSeen: unknown;
    engine.learnTokenizer.mockImplementation(async (_vocab, onEvent) => {
      onEvent({ phase: 'merging', done: 10, total: 44 }, 0);
      await new Promise((r) => setTimeout(r, 20)); // a frame passes: the progress reaches the store
      progressSeen = store.getState().learnProgress;
      expect(store.getState().corpusBusy).toBe(true); // Start is disabled meanwhile
      return { summary: learnedSummary, events: 1 };
    });
    await store.getState().choosePastedText('some text');
    expect(engine.setCorpus).toHaveBeenCalledWith(expect.anything(), 'char');
    expect(engine.learnTokenizer).toHaveBeenCalledWith(300, expect.anything());
    expect(progressSeen).toEqual({ phase: 'merging', done: 10, total: 44 });
    expect(store.getState().corpus).toEqual(learnedSummary);
    expect(store.getState().learnProgress).toBeUndefined();
    expect(store.getState().corpusBusy).toBe(false);
  });

  it('a size out of range is a problem at once (Start disabled) and is not learned; a valid one is, once typing pauses', async () => {
    vi.useFakeTimers();
    try {
      await store.getState().choosePastedText('some text');
      await store.getState().setTokenizer('bpe');
      expect(engine.learnTokenizer).toHaveBeenCalledTimes(1); // the default size, at once
      // Typing 4096: "4" and "40" are out of range, said at once; "409" and "4096" are sizes.
      for (const v of [4, 40]) store.getState().setBpeVocab(v);
      expect(store.getState().recipeProblems).toEqual([
        { field: 'vocabSize', code: 'BAD_CONFIG', message: 'The vocabulary size must be a whole number from 256 to 16,384, but it is 40.' },
      ]);
      store.getState().setBpeVocab(409);
      await vi.advanceTimersByTimeAsync(100);
      store.getState().setBpeVocab(4096);
      expect(store.getState().recipeProblems).toEqual([]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(engine.learnTokenizer).toHaveBeenCalledTimes(2);
      expect(engine.learnTokenizer).toHaveBeenLastCalledWith(4096, expect.anything());
      await store.getState().setTokenizer('char');
      store.getState().setBpeVocab(100000);
      expect(store.getState().recipeProblems).toEqual([]); // not learning: the size does not matter
    } finally {
      vi.useRealTimers();
    }
  });

  it('Cancel keeps the text as it was, and the choice goes back to its tokenizer (no alert)', async () => {
    await store.getState().choosePastedText('some text');
    engine.learnTokenizer.mockImplementation(async () => {
      store.getState().cancelLearning();
      throw new EngineError('ABORTED', 'Learning the vocabulary was cancelled.');
    });
    await store.getState().setTokenizer('bpe');
    expect(engine.cancelLearning).toHaveBeenCalled();
    expect(store.getState().tokenizer).toBe('char');
    expect(store.getState().corpus?.tokenizer).toBe('char');
    expect(store.getState().messages.train).toBeUndefined();
    expect(store.getState().corpusBusy).toBe(false);
  });
});
