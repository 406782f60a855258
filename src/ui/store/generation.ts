import * as Comlink from 'comlink';
import { getEngine } from '../../workers/bridge';
import type { PromptTrace, SamplingSettings, TokenEvent } from '../../workers/api';
import { frameBatcher } from './batcher';
import { describe } from './errors';
import type { Slice } from './slice';

export interface GenerationSlice {
  prompt: string;
  output: string;
  generating: boolean;
  lastRun?: { tokens: number; ms: number };
  genError?: string;
  sampling: SamplingSettings;
  setPrompt(prompt: string): void;
  setSampling(s: Partial<SamplingSettings>): void;
  /** Streams a generation into `output` and the attention trace, batched per animation frame. */
  generate(): Promise<void>;
  stopGeneration(): void;
}

export const createGenerationSlice: Slice<GenerationSlice> = (set, get) => ({
  prompt: 'ROMEO:\n',
  output: '',
  generating: false,
  sampling: { maxNewTokens: 300, temperature: 0.8, topK: 0, topP: 1, seed: 1337 },
  setPrompt: (prompt) => set({ prompt }),
  setSampling: (s) => set((st) => ({ sampling: { ...st.sampling, ...s } })),
  generate: async () => {
    const st = get();
    if (st.generating || !st.model) return;
    set({ generating: true, output: '', genError: undefined });
    get().clearAttention();
    // One store update per frame; the trace's arrays grow in place (rows arrive transferred, not copied).
    const tokens = frameBatcher<TokenEvent>((batch) => {
      set((s) => ({ output: s.output + batch.map((e) => e.text).join('') }));
      get().appendTokens(batch);
    });
    try {
      const res = await getEngine().generate(
        st.prompt,
        { ...st.sampling, captureAttention: true },
        Comlink.proxy((ev: TokenEvent) => tokens.push(ev)),
        Comlink.proxy((p: PromptTrace) => get().startTrace(p)),
      );
      tokens.flush();
      set({ lastRun: res });
    } catch (e) {
      tokens.flush();
      const err = describe(e);
      if (err.code !== 'ABORTED') set({ genError: err.message });
    } finally {
      set({ generating: false });
    }
  },
  stopGeneration: () => void getEngine().cancelGeneration(),
});
