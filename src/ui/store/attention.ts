import type { GenerationEvent, Trace } from '../../workers/api';
import type { Slice } from './slice';

/**
 * What the explorer and the output show of a generation: the API's Trace (every token of prompt +
 * output and, per position, its attention rows and next-token candidates) and each token's text as
 * the output shows it: the generated text lives here and only here. The arrays grow in place (a
 * generation appends, never copies what is held); `version` changes on every append so
 * subscribers redraw what is new.
 */
export interface AttentionTrace extends Trace {
  version: number;
  /** Each token as the output shows it (BPE: '' while a character is incomplete); the prompt's are its labels. */
  texts: string[];
  promptLength: number;
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
  /** A batch of a generation's events (one store update per frame): the prompt's trace starts it, tokens append. */
  appendGeneration(batch: GenerationEvent[]): void;
}

const emptyTrace = (): AttentionTrace => ({ version: 0, ids: [], labels: [], texts: [], promptLength: 0, positions: [] });

export const createAttentionSlice: Slice<AttentionSlice> = (set, get) => ({
  attention: emptyTrace(),
  view: { layer: 0, head: 0 },
  selectedPos: null,
  setView: (v) => set((s) => ({ view: { ...s.view, ...v } })),
  selectPosition: (selectedPos) => set({ selectedPos }),
  clearAttention: () => set({ attention: emptyTrace(), selectedPos: null }),
  appendGeneration: (batch) => {
    let a = get().attention;
    for (const ev of batch) {
      if (ev.kind === 'prompt') {
        const p = ev.prompt;
        a = { version: a.version, ids: [...p.ids], labels: [...p.labels], texts: [...p.labels], promptLength: p.ids.length, positions: [...p.positions] };
        set({ selectedPos: null });
        continue;
      }
      a.ids.push(ev.token);
      a.labels.push(ev.label);
      a.texts.push(ev.text);
      if (ev.trace) a.positions.push(ev.trace);
    }
    set({ attention: { ...a, version: a.version + 1 } }); // a new handle on the same arrays
  },
});
