/**
 * What `npm run bench:browser` reports: the page (bench/browser/main.ts) fills a BrowserReport in
 * headless Chromium, the runner (bench/browser/run.ts) prints it. Rates are the tokens of the timed
 * windows (bench/browser/timing.ts) over their wall time, summed over rounds; ratios are ours / other
 * (above 1: ours is faster), the median over rounds of the two runs' ratio.
 */
import { textTable } from '../harness';

/** Where the bench page (main.ts) leaves its report for the driver (run.ts), which reads it back through page.evaluate. */
declare global {
  interface Window {
    __benchResults?: { report: BrowserReport; text: string } | { error: string };
  }
}

export interface TrainRow {
  model: string;
  B: number;
  T: number;
  /** Through the product's worker and Comlink (EngineApi.startTraining), timed on the page. */
  ours_tokens_per_s: number;
  /** Src/model's Trainer and training loop on the page's own GPUDevice: no worker, no Comlink. */
  direct_tokens_per_s: number;
  /** TensorFlow.js's WebGPU backend running the same GPT step (bench/tfjs-gpt.ts) in the same page. */
  peer_tokens_per_s: number | null;
  /** ours / peer. */
  ratio: number | null;
  /** 1 - ours / direct: the share of the engine's speed the page path loses (negative: none measurable). */
  page_overhead: number;
  /** Timed steps in all, over all rounds (ours and direct each; peer_steps for TensorFlow.js). */
  steps: number;
  peer_steps: number;
  rounds: number;
  /** Loss of step 1 (same weights, same batch): the three must agree to ~1e-4. */
  first_loss: { ours: number; direct: number; peer: number | null };
  peer_error?: string;
}

export interface DecodeRow {
  model: string;
  /** Attention rows of every layer and head plus the top-10 candidates read back with each token. */
  capture: boolean;
  /** Tokens generated per run; the first (after the prompt) opens the timed window. */
  tokens: number;
  rounds: number;
  ours_tokens_per_s: number;
  direct_tokens_per_s: number;
  page_overhead: number;
}

export interface BrowserReport {
  browser: string;
  adapter: { vendor: string; architecture: string; device: string; description: string };
  peer: string;
  /** The worker's kernel tuning (EngineInfo.tuning): the matmul variant per shape class and where it came from. */
  matmul: { source: string; choice: Record<string, string>; ms: number } | null;
  /** `--matmul SPEC`: the choice stored for the worker to read back instead of tuning (a diagnostic). */
  forced_matmul?: string;
  /** The page's own device reads the same choice back from the tuning store, with the tuner's timings (ms a call per candidate). */
  direct_matmul: { source: string; choice: Record<string, string>; timings?: Record<string, Record<string, number>>; tune_ms?: number };
  train: TrainRow[];
  decode: DecodeRow[];
  /** The issue's goals: training >= 3x TensorFlow.js, page overhead < 10%. */
  goals: { train_ratio_min: number; overhead_max: number; train_met: boolean; overhead_met: boolean };
  wall_s: number;
}

const rate = (x: number | null) => (x == null ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatReport(r: BrowserReport): string {
  const a = r.adapter;
  const out = [
    `Browser: ${r.browser}`,
    `Adapter: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')}`,
    `Peer: ${r.peer}`,
    `Our matmul (worker: ${r.matmul?.source ?? 'not tuned'}${r.forced_matmul ? `, stored by --matmul ${r.forced_matmul}` : ''}; page device: ${r.direct_matmul.source}): ${Object.entries(r.matmul?.choice ?? {}).map(([c, v]) => `${c} ${v}`).join(', ') || 'defaults'}`,
    '',
    'Training (tokens/s over the timed steps; ours = through the worker and Comlink)',
    textTable(
      ['model', 'B', 'T', 'ours', 'tfjs', 'ours/tfjs', 'direct', 'page overhead', 'steps (tfjs)', 'first loss ours / direct / tfjs'],
      r.train.map((t) => [
        t.model,
        String(t.B),
        String(t.T),
        rate(t.ours_tokens_per_s),
        rate(t.peer_tokens_per_s),
        t.ratio == null ? '—' : `${t.ratio.toFixed(2)}x`,
        rate(t.direct_tokens_per_s),
        pct(t.page_overhead),
        `${t.steps} (${t.peer_steps})`,
        `${t.first_loss.ours.toFixed(4)} / ${t.first_loss.direct.toFixed(4)} / ${t.first_loss.peer?.toFixed(4) ?? '—'}`,
      ]),
    ),
    '',
    'Decode (tokens/s, one read-back per token)',
    textTable(
      ['model', 'capture', 'tokens x rounds', 'ours', 'direct', 'page overhead'],
      r.decode.map((d) => [d.model, d.capture ? 'on' : 'off', `${d.tokens} x ${d.rounds}`, rate(d.ours_tokens_per_s), rate(d.direct_tokens_per_s), pct(d.page_overhead)]),
    ),
    '',
    `Goals: training >= ${r.goals.train_ratio_min}x TensorFlow.js: ${r.goals.train_met ? 'met' : 'NOT met'}; page overhead < ${pct(r.goals.overhead_max)}: ${r.goals.overhead_met ? 'met' : 'NOT met'}.`,
    ...r.train.filter((t) => t.peer_error).map((t) => `TensorFlow.js failed on ${t.model}: ${t.peer_error}`),
    `Wall time ${r.wall_s.toFixed(0)} s.`,
  ];
  return out.join('\n');
}
