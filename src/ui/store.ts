/**
 * Playground state (zustand): one store, components select single fields. Streamed tokens are
 * batched per animation frame before they reach React (see `appendTokens` callers).
 */
import { create } from 'zustand';
import type { ModelInfo } from '../workers/engine.worker';

export type GpuStatus =
  | { state: 'starting' }
  | { state: 'ready'; adapter: string; features: string[] }
  | { state: 'error'; message: string };

/** What the engine reports about the loaded model (a type-only import: no engine code in the UI bundle). */
export type ModelSummary = ModelInfo;

export interface SamplingSettings {
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
}

/** Attention maps: [layer] -> rows; row t is (NH, t+1), for every position of prompt + output. */
export interface AttentionTrace {
  tokens: string[];
  rows: Float32Array[][];
}

interface PlaygroundState {
  gpu: GpuStatus;
  model?: ModelSummary;
  modelError?: string;
  prompt: string;
  output: string;
  generating: boolean;
  lastRun?: { tokens: number; ms: number };
  error?: string;
  sampling: SamplingSettings;
  attention: AttentionTrace;
  view: { layer: number; head: number };
  setGpu: (gpu: GpuStatus) => void;
  setModel: (model?: ModelSummary, modelError?: string) => void;
  setPrompt: (prompt: string) => void;
  setSampling: (s: Partial<SamplingSettings>) => void;
  setView: (v: Partial<{ layer: number; head: number }>) => void;
}

export const usePlayground = create<PlaygroundState>((set) => ({
  gpu: { state: 'starting' },
  prompt: 'ROMEO:\n',
  output: '',
  generating: false,
  sampling: { maxNewTokens: 300, temperature: 0.8, topK: 0, topP: 1, seed: 1337 },
  attention: { tokens: [], rows: [] },
  view: { layer: 0, head: 0 },
  setGpu: (gpu) => set({ gpu }),
  setModel: (model, modelError) => set({ model, modelError }),
  setPrompt: (prompt) => set({ prompt }),
  setSampling: (s) => set((st) => ({ sampling: { ...st.sampling, ...s } })),
  setView: (v) => set((st) => ({ view: { ...st.view, ...v } })),
}));
