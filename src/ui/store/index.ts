/**
 * Playground state: one zustand store built from slices (engine, models, generation, training,
 * attention), each with its actions inside it. Components select single fields; code outside
 * React uses useStore.getState/setState. High-rate data (streamed tokens, step metrics) is batched
 * per animation frame before it reaches the store (streamCall in src/workers/bridge.ts).
 */
import { create } from 'zustand';
import { createAttentionSlice, type AttentionSlice } from './attention';
import { createEngineSlice, type EngineSlice } from './engine';
import { createFaultSlice, type FaultSlice } from './faults';
import { createGenerationSlice, type GenerationSlice } from './generation';
import { createModelSlice, type ModelSlice } from './models';
import { createTrainingSlice, type TrainingSlice } from './training';

export type Store = EngineSlice & ModelSlice & GenerationSlice & TrainingSlice & AttentionSlice & FaultSlice;

export const useStore = create<Store>()((...a) => ({
  ...createEngineSlice(...a),
  ...createModelSlice(...a),
  ...createGenerationSlice(...a),
  ...createTrainingSlice(...a),
  ...createAttentionSlice(...a),
  ...createFaultSlice(...a),
}));
