/**
 * The probe: a fixed stretch of held-out text scored at every evaluation, to show that training is
 * maximum likelihood. For each position i of the probe the model is asked for the next token: the
 * probability it gives the true one, p(ids[i+1] | ids[..i]), and its K most likely tokens. The mean
 * of −log p over the probe is the same quantity the loss chart plots (the cross-entropy of the
 * evaluation), on this text.
 *
 * GPU: one evaluation forward over the probe laid out as one (B, T) batch of the trainer's
 * (windows of T consecutive tokens, as the evaluation reads the validation split), the probe_scores
 * kernel over its logits, and ONE read-back of (1 + 2K) floats a position. Buffers and dispatches are
 * made once, when the run is allocated.
 */
import { createStorage, Readback } from '../gpu/buffers';
import { probeScores } from '../kernels/probe_scores';
import { destroyOps } from './ops';
import type { Trainer } from './trainer';

/** Candidates kept per position: the top 10 are the bars; the top 5 of them the hover's list. */
export const PROBE_K = 10;
/** Positions scored at most (a few hundred tokens of the validation split). */
export const PROBE_MAX_POSITIONS = 256;

/**
 * One evaluation's scores of the probe, n positions: `p[i]` = p(true next token after position i);
 * `topIds`/`topProbs` (n, k) row-major: the k most likely next tokens, most likely first.
 */
export interface ProbeScores {
  k: number;
  p: Float32Array;
  topIds: Uint32Array;
  topProbs: Float32Array;
}

/** How many positions of `tokens` a (B, T) batch scores: every token but the last has a next one. */
export function probePositions(tokens: number, B: number, T: number): number {
  return Math.max(0, Math.min(tokens - 1, B * T, PROBE_MAX_POSITIONS));
}

/** Mean of −log p(true next token) over the probe: its loss, in nats (the chart's unit). */
export function probeLoss(s: ProbeScores): number {
  let sum = 0;
  for (const p of s.p) sum += -Math.log(Math.max(p, Number.MIN_VALUE));
  return s.p.length ? sum / s.p.length : NaN;
}

/** The kernel's rows, (n, 1 + 2K) floats, as ProbeScores (copies: the read-back's buffer is reused). */
export function unpackProbeScores(raw: Float32Array, n: number, k: number): ProbeScores {
  const S = 1 + 2 * k;
  const bits = new Uint32Array(raw.buffer, raw.byteOffset, n * S);
  const p = new Float32Array(n);
  const topIds = new Uint32Array(n * k);
  const topProbs = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    p[i] = raw[i * S]!;
    topProbs.set(raw.subarray(i * S + 1, i * S + 1 + k), i * k);
    topIds.set(bits.subarray(i * S + 1 + k, i * S + 1 + 2 * k), i * k);
  }
  return { k, p, topIds, topProbs };
}

/** Scores a fixed probe text with the trainer's model at each evaluation (see the file comment). */
export class ProbeScorer {
  readonly n: number;
  readonly k: number;
  private x: Uint32Array;
  private y: Uint32Array;
  private out: GPUBuffer;
  private readback: Readback;
  private ops;

  /** `tokens`: the probe's ids (n + 1 of them score n positions; more are cut to what one batch holds). */
  constructor(
    private readonly trainer: Trainer,
    tokens: ArrayLike<number>,
  ) {
    const { B, T } = trainer;
    const { device, config } = trainer.model;
    const V = config.vocab_size;
    this.n = probePositions(tokens.length, B, T);
    if (this.n < 1) throw new Error(`the probe needs at least 2 tokens, got ${tokens.length}`);
    this.k = Math.min(PROBE_K, V);
    // Position i sits at row i of the batch: window ⌊i/T⌋, offset i mod T; the rows after the probe stay 0 (never read).
    this.x = new Uint32Array(B * T);
    this.y = new Uint32Array(B * T);
    for (let i = 0; i < this.n; i++) {
      this.x[i] = tokens[i]!;
      this.y[i] = tokens[i + 1]!;
    }
    const floats = this.n * (1 + 2 * this.k);
    this.out = createStorage(device, 'probe.scores', floats * 4);
    this.readback = new Readback(device, floats * 4, 'probe.readback');
    const acts = trainer.activations;
    this.ops = [probeScores(device, { buffer: this.out }, { buffer: acts.logits, offset: 0, size: this.n * V * 4 }, { buffer: acts.targets, offset: 0, size: this.n * 4 }, this.n, V, this.k)];
  }

  /** The probe's scores with the weights now. Nothing may be in flight. SYNC POINT (one read-back). */
  async score(): Promise<ProbeScores> {
    this.trainer.submitEval(this.x, this.y, this.ops);
    return unpackProbeScores(await this.readback.floats(this.out), this.n, this.k);
  }

  destroy(): void {
    destroyOps(this.ops);
    this.out.destroy();
    this.readback.destroy();
  }
}
