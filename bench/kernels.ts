/**
 * `npm run bench:kernels [-- --json]`: our kernels against a peer on the same adapter, in one process.
 *
 * Matmul: src/kernels/matmul.ts against TensorFlow.js's WebGPU backend (tf.matMul), same shapes
 * and inputs; both results are compared once before timing. Ours: a pre-built Dispatch, `iters`
 * copies in one pass and one submit, then queue.onSubmittedWorkDone. Theirs: `iters` tf.matMul
 * calls on pre-created tensors, then their queue flushed and awaited (no read-back in the timing).
 * Attention cases come from bench/attention.ts.
 *
 * Before the cases, the matmul tuner runs as the product does (src/node/tuning.ts: the stored
 * choice for this adapter, else ~1.5 s of timing, stored; WEBGPU_GPT_MATMUL forces one), and every
 * matmul row names the variant that ran.
 *
 * Options: --quick (matmul: single calls, as many repeats as fit 10 s, at least one); --json (stdout carries exactly one JSON object { adapter, tuning, cases[, variants] };
 * the table and progress go to stderr); --only matmul|attention; --variants (also time every
 * matmul variant on every case, ours alone, quick single figures). The process exits explicitly at
 * the end (Dawn keeps Node alive).
 */
import type * as TF from '@tensorflow/tfjs-core';
import { attentionCases } from './attention';
import { benchResult, dispatchRunner, formatTable, log, timePair, type BenchResult, type Runner, type TimingOptions } from './harness';
import { writeStdout } from './stdout';
import { loadTfjsWebgpu } from './tfjs-gpt';
import { createStorage, readFloats, uploadBuffer } from '../src/gpu/buffers';
import { matmul, matmulVariantRuns, MATMUL_VARIANTS, resolveMatmulVariant, type MatmulLayout } from '../src/kernels/matmul';
import { kernelChoice } from '../src/kernels/choice';
import { tuneKernelsNode } from '../src/node/tuning';
import { createNodeContext, nodeGpu } from '../src/node/webgpu';

type Tf = typeof TF;

interface MatmulCase {
  name: string;
  M: number;
  N: number;
  K: number;
  layout: MatmulLayout;
}

// Names give M (rows of out: tokens), K (the reduced dimension) and N (columns of out).
const MATMUL_CASES: MatmulCase[] = [
  { name: 'matmul tiny-GPT M=768 K=128 N=512', M: 768, K: 128, N: 512, layout: 'nn' },
  { name: 'matmul GPT-2 MLP M=1024 K=768 N=3072', M: 1024, K: 768, N: 3072, layout: 'nn' },
  { name: 'matmul 512^3', M: 512, K: 512, N: 512, layout: 'nn' },
  { name: 'matmul 1024^3', M: 1024, K: 1024, N: 1024, layout: 'nn' },
  // Like the tied LM head (logits = x · wteᵀ), with a vocabulary slice a software adapter runs in seconds.
  { name: 'matmul nt head M=256 K=768 N=4096', M: 256, K: 768, N: 4096, layout: 'nt' },
];

const PEER = 'tfjs-webgpu 4.22';

/** Deterministic inputs in [-1, 1], the same for both engines. */
function inputs(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 12.9898 + seed * 78.233);
  return x;
}

/** The parts of the WebGPU backend used to wait for its work without reading a tensor back. */
interface TfWebgpuBackend {
  device: GPUDevice;
  commandEncoder: GPUCommandEncoder | null;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

/** Enqueues `iters` tf.matMul calls (sync on purpose, see submitRepeated in harness.ts). */
function enqueueTfMatmuls(tf: Tf, a: TF.Tensor2D, b: TF.Tensor2D, layout: MatmulLayout, iters: number): void {
  for (let i = 0; i < iters; i++) tf.matMul(a, b, layout === 'tn', layout === 'nt').dispose();
}

function tfRunner(tf: Tf, a: TF.Tensor2D, b: TF.Tensor2D, layout: MatmulLayout): Runner {
  const backend = tf.backend() as unknown as TfWebgpuBackend;
  return async (iters) => {
    const t0 = performance.now();
    enqueueTfMatmuls(tf, a, b, layout, iters);
    // Flush what the backend has batched (as it does itself before a read-back), then wait for
    // its queue (it has its own device on the same adapter).
    if (backend.commandEncoder) {
      backend.endComputePassEncoder();
      backend.submitQueue();
    }
    await backend.device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  };
}

/** max |x - y| / max |y|: both engines compute the same float32 sums, in different orders. */
function relativeDiff(x: Float32Array, y: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

async function matmulCase(device: GPUDevice, tf: Tf, c: MatmulCase, timing: TimingOptions): Promise<BenchResult> {
  const { M, N, K, layout } = c;
  const aData = inputs(M * K, 1);
  const bData = inputs(K * N, 2);
  const aBuf = uploadBuffer(device, 'bench.a', aData);
  const bBuf = uploadBuffer(device, 'bench.b', bData);
  const outBuf = createStorage(device, 'bench.out', M * N * 4);
  const ta = tf.tensor2d(aData, layout === 'tn' ? [K, M] : [M, K]);
  const tb = tf.tensor2d(bData, layout === 'nt' ? [N, K] : [K, N]);
  try {
    const d = matmul(device, { out: { buffer: outBuf }, a: { buffer: aBuf }, b: { buffer: bBuf }, M, N, K, layout, choice: kernelChoice(device) });
    const ours = dispatchRunner(device, [d]);
    // Same answer first: a benchmark of a wrong kernel is worth nothing.
    await ours(1);
    const got = await readFloats(device, outBuf, 0, M * N);
    const theirs = tf.matMul(ta, tb, layout === 'tn', layout === 'nt');
    const want = await theirs.data();
    theirs.dispose();
    const rel = relativeDiff(got, want);
    if (!(rel < 1e-4)) throw new Error(`${c.name}: ours and TensorFlow.js disagree (max diff ${rel.toExponential(2)} of the largest value)`);
    const { ours_ms, peer_ms } = await timePair(ours, tfRunner(tf, ta, tb, layout), timing);
    const variant = resolveMatmulVariant(device, { M, layout, choice: kernelChoice(device) });
    const r = { ...benchResult(c.name, 2 * M * N * K, ours_ms, peer_ms, PEER), variant };
    log(`${c.name}: ours (${variant}) ${ours_ms.toFixed(1)} ms, ${PEER} ${peer_ms.toFixed(1)} ms, ratio ${r.ratio.toFixed(2)} (results agree to ${rel.toExponential(1)})`);
    return r;
  } finally {
    ta.dispose();
    tb.dispose();
    for (const b of [aBuf, bBuf, outBuf]) b.destroy();
  }
}

/** GFLOP/s of every variant that runs here on case `c` (ours only; median of 3 short repeats). */
async function variantFigures(device: GPUDevice, c: MatmulCase): Promise<Record<string, number>> {
  const { M, N, K, layout } = c;
  const aBuf = uploadBuffer(device, 'bench.a', inputs(M * K, 1));
  const bBuf = uploadBuffer(device, 'bench.b', inputs(K * N, 2));
  const outBuf = createStorage(device, 'bench.out', M * N * 4);
  const figures: Record<string, number> = {};
  try {
    for (const variant of MATMUL_VARIANTS) {
      if (!matmulVariantRuns(device, variant)) continue;
      const d = matmul(device, { out: { buffer: outBuf }, a: { buffer: aBuf }, b: { buffer: bBuf }, M, N, K, layout, variant });
      const { ours_ms } = await timePair(dispatchRunner(device, [d]), async () => 0, { repeats: 3, targetMs: 150 });
      figures[variant] = (2 * M * N * K) / 1e6 / ours_ms;
      log(`  ${c.name} [${variant}]: ${figures[variant].toFixed(2)} GFLOP/s`);
    }
  } finally {
    for (const b of [aBuf, bBuf, outBuf]) b.destroy();
  }
  return figures;
}

function optionValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const json = process.argv.includes('--json');
  const only = optionValue('--only');
  // --quick: single calls instead of ~300 ms repeats, and as many repeats as fit about 10 s (at
  // least one): a software adapter on a busy machine runs the GPT-2-sized cases at seconds a call.
  const quick = process.argv.includes('--quick');
  // Libraries that print with console.log must not reach stdout in --json mode.
  if (json) console.log = console.error;
  const ctx = await createNodeContext();
  const { device } = ctx;
  log(`adapter: ${JSON.stringify(ctx.adapterInfo)}`);
  const t0 = performance.now();
  const tuning = await tuneKernelsNode(device, { adapter: ctx.adapterInfo });
  log(`matmul choice (${tuning.source}, ${((performance.now() - t0) / 1000).toFixed(1)} s): ${JSON.stringify(tuning.choice)}`);
  const { tf } = await loadTfjsWebgpu(nodeGpu());
  const started = performance.now();
  const cases: BenchResult[] = [];
  const variants: Record<string, Record<string, number>> = {};
  if (only !== 'attention') {
    for (const c of MATMUL_CASES) {
      cases.push(await matmulCase(device, tf, c, quick ? { repeats: 5, minRepeats: 1, maxCaseMs: 10_000, targetMs: 1 } : {}));
      if (process.argv.includes('--variants')) variants[c.name] = await variantFigures(device, c);
    }
  }
  if (only !== 'matmul') cases.push(...(await attentionCases(device)));
  log(`benchmark took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  const table = formatTable(cases);
  if (json) log(table);
  const report = { adapter: ctx.adapterInfo, tuning: { source: tuning.source, choice: tuning.choice, timings: tuning.record?.timings }, cases, ...(Object.keys(variants).length ? { variants } : {}) };
  await writeStdout(json ? JSON.stringify(report) : table);
  return 0;
}

main().then(
  (rc) => process.exit(rc),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
