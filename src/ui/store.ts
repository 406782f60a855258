import { create } from 'zustand';

export type GpuStatus =
  | { state: 'starting' }
  | { state: 'ready'; adapter: string; features: string[] }
  | { state: 'error'; message: string };

interface PlaygroundState {
  gpu: GpuStatus;
  setGpu: (gpu: GpuStatus) => void;
}

export const usePlayground = create<PlaygroundState>((set) => ({
  gpu: { state: 'starting' },
  setGpu: (gpu) => set({ gpu }),
}));
