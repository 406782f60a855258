import { getEngine, streamCall } from '../../workers/bridge';
import type { DecodeWeights, GenerationEvent, GenerationResult, OnEvent, SamplingSettings } from '../../workers/api';
import { describe } from './errors';
import type { Slice } from './slice';

/** Generating: the prompt and sampling settings, and the run's state. The text it writes lives once, in the attention slice's trace (`attention.texts`). */
export interface GenerationSlice {
  prompt: string;
  generating: boolean;
  lastRun?: { tokens: number; ms: number; weights?: GenerationResult['weights'] };
  sampling: SamplingSettings;
  /** The weights generation reads on the GPU, when the user chose; undefined: the engine's default (engineInfo.weights, the tuner's pick). */
  weights?: DecodeWeights;
  setPrompt(prompt: string): void;
  setWeights(weights: DecodeWeights): void;
  setSampling(s: Partial<SamplingSettings>): void;
  /** Streams a generation into the attention trace (its tokens and texts), batched per animation frame. */
  generate(): Promise<void>;
  stopGeneration(): void;
}

/** Generations started so far: tags each run's events. */
let runs = 0;

export const createGenerationSlice: Slice<GenerationSlice> = (set, get) => ({
  prompt: 'ROMEO:\n',
  generating: false,
  sampling: { maxNewTokens: 300, temperature: 0.8, topK: 0, topP: 1, seed: 1337 },
  setPrompt: (prompt) => set({ prompt }),
  setWeights: (weights) => set({ weights }),
  setSampling: (s) => set((st) => ({ sampling: { ...st.sampling, ...s } })),
  generate: async () => {
    const st = get();
    if (st.generating || !st.model) return;
    const run = ++runs;
    set({ generating: true });
    get().clearMessage('write');
    get().clearAttention();
    try {
      // One store update per frame; the trace's arrays grow in place (rows arrive transferred, not
      // copied). Events of an earlier run that arrive after it failed are dropped (`run`).
      const res = await streamCall(
        (onEvent: OnEvent<GenerationEvent>) => getEngine().generate(st.prompt, { ...st.sampling, captureAttention: true, weights: st.weights }, onEvent),
        (batch) => run === runs && get().appendGeneration(batch),
      );
      set({ lastRun: { tokens: res.tokens, ms: res.ms, weights: res.weights } });
    } catch (e) {
      if (describe(e).code !== 'ABORTED') get().sayError('write', e);
    } finally {
      set({ generating: false });
    }
  },
  stopGeneration: () => void getEngine().cancelGeneration(),
});
