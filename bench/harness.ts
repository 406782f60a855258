/**
 * Timing and output helpers shared by the benchmarks (bench/kernels.ts, bench/attention.ts;
 * median and tables also bench/model.ts, bench/profile-step.ts and the browser bench page; Node's
 * stdout is bench/stdout.ts).
 *
 * A case times two `Runner`s, ours and a peer's, on the same adapter in the same process. The
 * repeats alternate between the two, so that load from other processes (a software adapter shares
 * the CPU with everything else) falls on both alike, and the median per-iteration time is kept.
 * Iteration counts come from time, not from a fixed number: one repeat lasts about `targetMs`.
 */
import { encodeDispatches, type Dispatch } from '../src/gpu/dispatch';

/** One row of the benchmark table and of the `--json` output. */
export interface BenchResult {
  name: string;
  ours_gflops: number;
  peer_gflops: number;
  /** ours_gflops / peer_gflops: above 1 means ours is faster. */
  ratio: number;
  ours_ms: number;
  peer_ms: number;
  /** What we were compared with, e.g. 'tfjs-webgpu 4.22'. */
  peer: string;
  /** Which of our kernels ran (matmul: the variant id, see src/kernels/matmul.ts; attention: plain, subgroups or tiled). */
  variant?: string;
}

/** Runs `iters` iterations on the GPU, waits until they are done, and returns the elapsed ms. */
export type Runner = (iters: number) => Promise<number>;

/** Progress and notes go to stderr: with --json, stdout carries the JSON object only. */
export function log(...args: unknown[]): void {
  console.error(...args);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Encodes `iters` copies of `dispatches` into one compute pass and submits it. Kept out of async
 * functions on purpose: with Dawn in Node we saw crashes (futex errors, segfaults) when V8
 * OSR-compiled a hot loop inside an async function that awaited Dawn promises.
 */
export function submitRepeated(device: GPUDevice, dispatches: readonly Dispatch[], iters: number): void {
  const enc = device.createCommandEncoder({ label: 'bench' });
  const pass = enc.beginComputePass({ label: 'bench' });
  for (let i = 0; i < iters; i++) encodeDispatches(pass, dispatches);
  pass.end();
  device.queue.submit([enc.finish()]);
}

/** A Runner for pre-built dispatches: one pass, one submit, then wait for the queue. */
export function dispatchRunner(device: GPUDevice, dispatches: readonly Dispatch[]): Runner {
  return async (iters) => {
    const t0 = performance.now();
    submitRepeated(device, dispatches, iters);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  };
}

export interface TimingOptions {
  /** Timed repeats of each runner (the median is kept). Default 5; fewer (not under minRepeats) if they would outlast maxCaseMs. */
  repeats?: number;
  /** Default 3. */
  minRepeats?: number;
  /** Rough bound on a case's timed repeats, both runners together. Default 30 s. */
  maxCaseMs?: number;
  /** Wall time one repeat should take. Default 300 ms. */
  targetMs?: number;
  /** Upper bound on iterations per repeat (tiny kernels). Default 200. */
  maxIters?: number;
}

/**
 * Iterations per repeat so that one repeat lasts about `targetMs`, and the expected ms of such a
 * repeat. The first run is a warm-up (pipeline compilation, first-touch of buffers) and is not used.
 */
export async function calibrate(run: Runner, targetMs: number, maxIters = 200): Promise<{ iters: number; repeatMs: number }> {
  await run(1);
  const one = Math.max(await run(1), 0.01);
  const iters = Math.max(1, Math.min(maxIters, Math.round(targetMs / one)));
  return { iters, repeatMs: iters * one };
}

/** Median ms per iteration of `ours` and `peer`, their repeats alternating. */
export async function timePair(ours: Runner, peer: Runner, opts: TimingOptions = {}): Promise<{ ours_ms: number; peer_ms: number }> {
  const { targetMs = 300, maxIters = 200, maxCaseMs = 30_000 } = opts;
  const o = await calibrate(ours, targetMs, maxIters);
  const p = await calibrate(peer, targetMs, maxIters);
  // Slow kernels (seconds per call on a software adapter) get fewer repeats, never under 3.
  const repeats = Math.max(opts.minRepeats ?? 3, Math.min(opts.repeats ?? 5, Math.floor(maxCaseMs / (o.repeatMs + p.repeatMs))));
  const tOurs: number[] = [];
  const tPeer: number[] = [];
  for (let r = 0; r < repeats; r++) {
    tOurs.push((await ours(o.iters)) / o.iters);
    tPeer.push((await peer(p.iters)) / p.iters);
  }
  return { ours_ms: median(tOurs), peer_ms: median(tPeer) };
}

/** A table row from the work of one iteration (floating-point operations) and both times. */
export function benchResult(name: string, flops: number, ours_ms: number, peer_ms: number, peer: string): BenchResult {
  const ours_gflops = flops / 1e6 / ours_ms;
  const peer_gflops = flops / 1e6 / peer_ms;
  return { name, ours_gflops, peer_gflops, ratio: ours_gflops / peer_gflops, ours_ms, peer_ms, peer };
}

/**
 * Fixed-width text table: a header line, a rule, one line per row. Text columns (the first, and
 * those in `leftAligned`) are padded on the right, numbers on the left.
 */
export function textTable(head: readonly string[], rows: readonly string[][], leftAligned: readonly number[] = []): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 || leftAligned.includes(i) ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
  return [line(head), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Fixed-width text table of the results. */
export function formatTable(results: readonly BenchResult[]): string {
  const head = ['case', 'ours GFLOP/s', 'peer GFLOP/s', 'ratio', 'ours ms', 'peer ms', 'peer', 'our kernel'];
  const rows = results.map((r) => [
    r.name,
    r.ours_gflops.toFixed(2),
    r.peer_gflops.toFixed(2),
    r.ratio.toFixed(2),
    r.ours_ms.toFixed(1),
    r.peer_ms.toFixed(1),
    r.peer,
    r.variant ?? '',
  ]);
  return textTable(head, rows, [head.length - 2, head.length - 1]);
}
