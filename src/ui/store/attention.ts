import type { Slice } from './slice';

/** Attention maps: [layer] -> rows; row t is (NH, t+1), for every position of prompt + output. */
export interface AttentionTrace {
  tokens: string[];
  rows: Float32Array[][];
}

export interface AttentionSlice {
  attention: AttentionTrace;
  view: { layer: number; head: number };
  setView(v: Partial<{ layer: number; head: number }>): void;
  clearAttention(): void;
}

export const createAttentionSlice: Slice<AttentionSlice> = (set) => ({
  attention: { tokens: [], rows: [] },
  view: { layer: 0, head: 0 },
  setView: (v) => set((s) => ({ view: { ...s.view, ...v } })),
  clearAttention: () => set({ attention: { tokens: [], rows: [] } }),
});
