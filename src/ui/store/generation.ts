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
  sampling: SamplingSettings;
  setPrompt(prompt: string): void;
  setSampling(s: Partial<SamplingSettings>): void;
  /** Streams a generation into `output` and the attention trace, batched per animation frame. */
  generate(): Promise<void>;
  stopGeneration(): void;
}

/** Generations started so far: tags each run's events. */
let runs = 0;

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
    const run = ++runs;
    set({ generating: true, output: '' });
    get().clearMessage('write');
    get().clearAttention();
    // One store update per frame; the trace's arrays grow in place (rows arrive transferred, not copied).
    // Events of an earlier run that arrive late are dropped (`run`).
    const tokens = frameBatcher<TokenEvent>((batch) => {
      if (run !== runs) return;
      set((s) => ({ output: s.output + batch.map((e) => e.text).join('') }));
      get().appendTokens(batch);
    });
    // Token callbacks travel on their own message port: the result can overtake the last of them.
    let received = 0;
    let allIn: (() => void) | undefined;
    let expected = Infinity;
    try {
      const res = await getEngine().generate(
        st.prompt,
        { ...st.sampling, captureAttention: true },
        Comlink.proxy((ev: TokenEvent) => {
          tokens.push(ev);
          if (++received >= expected) allIn?.();
        }),
        Comlink.proxy((p: PromptTrace) => run === runs && get().startTrace(p)),
      );
      expected = res.tokens;
      if (received < expected) await new Promise<void>((resolve) => ((allIn = resolve), setTimeout(resolve, 5000)));
      tokens.flush();
      set({ lastRun: res });
    } catch (e) {
      tokens.flush();
      if (describe(e).code !== 'ABORTED') get().sayError('write', e);
    } finally {
      set({ generating: false });
    }
  },
  stopGeneration: () => void getEngine().cancelGeneration(),
});
