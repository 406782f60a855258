/**
 * The probe while it learns (Train tab): the held-out probe text, its scores at each evaluation
 * (p(true next token) and the top candidates per position), the evaluation the "Training step"
 * slider shows (shared by the probe's probabilities, its attention, the chart and the samples), and
 * the probe position whose next-token bars are shown. Filled from a run's events (the training
 * slice hands each batch to `probeEvents`), live or replayed from a saved history.
 */
import type { ProbeScores, ProbeText, TrainEvent } from '../../workers/api';
import type { Slice } from './slice';

export interface ProbeScoreSnapshot {
  step: number;
  scores: ProbeScores;
}

export interface ProbeSlice {
  probeText?: ProbeText;
  /** The probe's scores at each evaluation that carried them, oldest first. */
  probeScores: ProbeScoreSnapshot[];
  /** The evaluation step the Training step slider shows; undefined follows the newest. */
  pickedStep?: number;
  /** The probe position (index of the scored position: its token is probeText.ids[i + 1]) whose bars are shown. */
  probePosition?: number;
  /** The probe text for the next run as typed; empty: the start of the validation split. */
  probeDraft: string;
  setProbeDraft(text: string): void;
  pickStep(step: number | undefined): void;
  pickProbePosition(i: number | undefined): void;
  /** A batch of a run's events: the probe text and the scores of its evaluations. */
  probeEvents(batch: TrainEvent[]): void;
  resetProbe(): void;
}

export const createProbeSlice: Slice<ProbeSlice> = (set) => ({
  probeScores: [],
  probeDraft: '',
  setProbeDraft: (probeDraft) => set({ probeDraft }),
  pickStep: (step) => set({ pickedStep: step }),
  pickProbePosition: (i) => set({ probePosition: i }),
  probeEvents: (batch) => {
    let text: ProbeText | undefined;
    const added: ProbeScoreSnapshot[] = [];
    for (const ev of batch) {
      if (ev.kind === 'probeText') text = ev.probe;
      else if (ev.kind === 'eval' && ev.scores) added.push({ step: ev.step, scores: ev.scores });
    }
    if (text || added.length) set((s) => ({ ...(text ? { probeText: text } : {}), probeScores: added.length ? [...s.probeScores, ...added] : s.probeScores }));
  },
  resetProbe: () => set({ probeText: undefined, probeScores: [], pickedStep: undefined, probePosition: undefined }),
});

/** The snapshot shown for `step` (the Training step slider's pick): the last one at or before it, else the first; undefined: the newest. */
export function snapshotAt<S extends { step: number }>(snaps: readonly S[], step: number | undefined): S | undefined {
  if (step === undefined) return snaps.at(-1);
  let found: S | undefined;
  for (const s of snaps) if (s.step <= step) found = s;
  return found ?? snaps[0];
}
