import type { PositionTrace, PromptTrace, TokenEvent } from '../../workers/api';
import type { Slice } from './slice';

/**
 * What the attention explorer shows: every token of prompt + output and, per position, its
 * attention rows and next-token candidates. The arrays grow in place (a generation appends, never
 * copies what is held); `version` changes on every append so subscribers redraw what is new.
 */
export interface AttentionTrace {
  version: number;
  /** Token ids, prompt then generated. */
  ids: number[];
  /** Each token decoded alone: axis labels. */
  labels: string[];
  /** Each token as the output shows it (BPE: '' while a character is incomplete). */
  texts: string[];
  promptLength: number;
  /** positions[i] = what position i attends to and predicts; the last token has none (it is never fed). */
  positions: PositionTrace[];
}

/** Head index meaning "the mean over heads". */
export const MEAN_HEAD = -1;

export interface AttentionSlice {
  attention: AttentionTrace;
  /** Layer and head of the main map (head MEAN_HEAD = mean of heads). */
  view: { layer: number; head: number };
  /** The query position the explorer follows; null = the newest one. */
  selectedPos: number | null;
  setView(v: Partial<{ layer: number; head: number }>): void;
  selectPosition(pos: number | null): void;
  clearAttention(): void;
  /** A generation starts with the prompt's trace. */
  startTrace(p: PromptTrace): void;
  /** Appends a batch of generated tokens (one store update per frame). */
  appendTokens(batch: TokenEvent[]): void;
}

const emptyTrace = (): AttentionTrace => ({ version: 0, ids: [], labels: [], texts: [], promptLength: 0, positions: [] });

export const createAttentionSlice: Slice<AttentionSlice> = (set, get) => ({
  attention: emptyTrace(),
  view: { layer: 0, head: 0 },
  selectedPos: null,
  setView: (v) => set((s) => ({ view: { ...s.view, ...v } })),
  selectPosition: (selectedPos) => set({ selectedPos }),
  clearAttention: () => set({ attention: emptyTrace(), selectedPos: null }),
  startTrace: (p) =>
    set({
      attention: { version: 1, ids: [...p.ids], labels: [...p.labels], texts: [...p.labels], promptLength: p.ids.length, positions: [...p.positions] },
      selectedPos: null,
    }),
  appendTokens: (batch) => {
    const a = get().attention;
    for (const ev of batch) {
      a.ids.push(ev.token);
      a.labels.push(ev.label);
      a.texts.push(ev.text);
      if (ev.attention || ev.candidates) a.positions.push({ attention: ev.attention, candidates: ev.candidates });
    }
    set({ attention: { ...a, version: a.version + 1 } }); // a new handle on the same arrays
  },
});
