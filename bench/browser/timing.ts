import { median } from '../harness';

/**
 * The timed window of a run, as the page sees it: it opens at the event that completes step
 * (or token) `from` and closes at the first event that completes `to` or later. Work is counted by
 * the numbers the events carry, not by events: the worker batches training steps into one message
 * per ~100 ms (src/workers/engine/training.ts), and each message leaves the moment its last step is
 * read back, so its arrival time is that step's completion as the page sees it.
 */
export class TimedWindow {
  private start?: { n: number; t: number };
  private end?: { n: number; t: number };

  constructor(
    readonly from: number,
    readonly to: number,
  ) {}

  /** An event that completes step `n` arrived at `t` (performance.now()); true once the window has closed. */
  see(n: number, t = performance.now()): boolean {
    if (!this.start) {
      if (n >= this.from) this.start = { n, t };
    } else if (!this.end && n >= this.to) {
      this.end = { n, t };
    }
    return this.end !== undefined;
  }

  get closed(): boolean {
    return this.end !== undefined;
  }

  /** Steps (or tokens) done inside the window and its wall time. */
  result(): { n: number; ms: number } {
    if (!this.start || !this.end) throw new Error(`the timed window ${this.from}..${this.to} never closed`);
    return { n: this.end.n - this.start.n, ms: this.end.t - this.start.t };
  }
}

/** Work and time of each round: a rate is total work over total time. */
export class Tally {
  readonly rounds: { n: number; ms: number }[] = [];
  n = 0;
  ms = 0;
  add(r: { n: number; ms: number }): void {
    this.rounds.push(r);
    this.n += r.n;
    this.ms += r.ms;
  }
  /** Units (tokens) per second, with `per` units for each counted step. */
  rate(per = 1): number {
    return (this.n * per * 1000) / this.ms;
  }
}

/**
 * a's rate over b's, paired by round (the two ran back to back) and the median taken: a load
 * that comes and goes between rounds (other processes on a software adapter's CPU) moves one
 * round's pair, not the figure. Work per step cancels out.
 */
export function pairedRatio(a: Tally, b: Tally): number {
  const rate = (r: { n: number; ms: number }) => r.n / r.ms;
  return median(a.rounds.map((r, i) => rate(r) / rate(b.rounds[i]!)));
}

/** Progress lines: the runner (bench/browser/run.ts) prints console messages starting with '[bench]' to stderr. */
export function log(message: string): void {
  console.log(`[bench] ${message}`);
}
