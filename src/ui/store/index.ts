/**
 * Playground state: one zustand store built from slices (ui, messages, engine, models, generation,
 * training, attention, faults), each with its actions inside it. Components select single fields
 * and read actions with useStore.getState() (actions never change); code outside React uses
 * useStore.getState/setState. High-rate data (streamed tokens, step metrics) is batched per
 * animation frame before it reaches the store (streamCall in src/workers/bridge.ts).
 */
import { create, type StateCreator } from 'zustand';
import { createAttentionSlice, type AttentionSlice } from './attention';
import { createEngineSlice, type EngineSlice } from './engine';
import { createFaultSlice, type FaultSlice } from './faults';
import { createGenerationSlice, type GenerationSlice } from './generation';
import { createMessagesSlice, type MessagesSlice } from './messages';
import { createModelSlice, type ModelSlice } from './models';
import { createProbeSlice, type ProbeSlice } from './probe';
import { createTrainingSlice, type TrainingSlice } from './training';
import { createUiSlice, type UiSlice } from './ui';

export type Store = UiSlice & MessagesSlice & EngineSlice & ModelSlice & GenerationSlice & TrainingSlice & AttentionSlice & FaultSlice & ProbeSlice;

/** Every slice in one state: the page's store below, and a fresh store per unit test (store.test.ts). */
export const createSlices: StateCreator<Store> = (...a) => ({
  ...createUiSlice(...a),
  ...createMessagesSlice(...a),
  ...createEngineSlice(...a),
  ...createModelSlice(...a),
  ...createGenerationSlice(...a),
  ...createTrainingSlice(...a),
  ...createAttentionSlice(...a),
  ...createFaultSlice(...a),
  ...createProbeSlice(...a),
});

export const useStore = create<Store>()(createSlices);
