/**
 * `npm run bench:model [-- --json] [--quick] [--small]` (--small: the shipped config's case only): training and decode throughput, on one adapter, in one process.
 *
 * Training: tokens/s of our Trainer (the real loop: one submit per step, loss read back) against
 * the same step in TensorFlow.js's WebGPU backend (bench/tfjs-gpt.ts), same config, batch,
 * weights and batches. Steps of the two alternate, so that load from other processes (a software
 * adapter shares the CPU) falls on both alike; tokens/s is B·T over the median step time.
 *
 * Decode: tokens/s of the KV-cache decoder (Decoder.step, logits read every token, as `generate`
 * does) against recomputing the whole context (Recompute.logits) per token, both at a fixed
 * context: the cache is filled with context-1 tokens, then every timed token is fed at position
 * context-1 (it attends to `context` tokens), and the recompute path runs the same `context`
 * tokens. The two paths' logits are compared on every timed token.
 *
 * With --json, stdout carries exactly one JSON object; the table and progress go to stderr. The
 * process exits explicitly at the end (Dawn keeps Node alive); status 1 if a case failed.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EngineError, engineErrorCode } from '../src/errors';
import { TINY_SHAKESPEARE_CONFIG, validateConfig, GPT2_VOCAB_SIZE, type GPTConfig } from '../src/model/config';
import { BatchSampler } from '../src/model/data';
import { Decoder, Recompute } from '../src/model/generate';
import { GPT } from '../src/model/gpt';
import { initParams, paramLayout } from '../src/model/params';
import { SeededRandom } from '../src/model/random';
import { Trainer, type TrainOptions } from '../src/model/trainer';
import { loadModelDir } from '../src/node/model-dir';
import { tuneKernelsNode } from '../src/node/tuning';
import { createNodeContext, nodeGpu } from '../src/node/webgpu';
import { median, textTable } from './harness';
import { writeStdout } from './stdout';
import { loadTfjsWebgpu, TfjsGpt, type TfjsHyper } from './tfjs-gpt';

const SHIPPED_MODEL_DIR = 'public/weights/shakespeare-char';
const SEED = 1337;

/** Hyperparameters of both trainers: constant lr (no warmup), so the two runs stay comparable step by step. */
const HYPER: TfjsHyper = { lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, gradClip: 1 };

interface Plan {
  trainWarmup: number;
  trainSteps: number;
  decodeWarmup: number;
  decodeTokens: number;
  /**
   * Fill the KV cache with context-1 real tokens before timing (and compare logits with the
   * recompute path). Without it the cache holds zeros: the same work per token (attention reads
   * all `context` positions either way), but the logits differ from the recompute path's.
   */
  prefill: boolean;
}

/** Steps per case: small models get more (cheap, less noise); GPT-2-sized ones as few as give a median. */
const PLANS = {
  small: { trainWarmup: 2, trainSteps: 8, decodeWarmup: 2, decodeTokens: 16, prefill: true },
  large: { trainWarmup: 1, trainSteps: 3, decodeWarmup: 1, decodeTokens: 4, prefill: true },
  // A smoke test: the GPT-2-sized case skips filling the cache (255 decode steps, minutes on a software adapter).
  quick: { trainWarmup: 1, trainSteps: 1, decodeWarmup: 1, decodeTokens: 2, prefill: true },
} satisfies Record<string, Plan>;

interface ModelCase {
  model: string;
  config: GPTConfig;
  B: number;
  T: number;
  /** Decode context: 256 tokens, or the block size when it is smaller. */
  context: number;
  /** Shown with both the training and the decode rows. */
  note?: string;
  /** Shown with the decode row only. */
  decodeNote?: string;
  /** Why the TensorFlow.js peer is not run on this case. */
  peerSkip?: string;
  /** A training comparison only: no decode row. */
  trainOnly?: boolean;
  plan: Plan;
}

export interface TrainRow {
  model: string;
  B: number;
  T: number;
  ours_tokens_per_s?: number;
  peer_tokens_per_s?: number | null;
  /** ours / peer: above 1 means ours is faster. */
  ratio?: number | null;
  ours_step_ms?: number;
  peer_step_ms?: number;
  steps?: number;
  /** Loss of the first step (same weights, same batch): the two should agree to ~1e-4. */
  ours_first_loss?: number;
  peer_first_loss?: number;
  peer_error?: string;
  skipped?: string;
  error?: string;
  note?: string;
}

export interface DecodeRow {
  model: string;
  context: number;
  cache_tokens_per_s?: number;
  recompute_tokens_per_s?: number;
  /** cache / recompute. */
  ratio?: number;
  cache_ms?: number;
  recompute_ms?: number;
  tokens?: number;
  /** Feeding the context-1 prompt tokens through the cache without reading anything back (pipelined). */
  prefill_tokens_per_s?: number;
  /** false: the cache was not filled before timing (same work per token; see Plan.prefill). */
  cache_filled?: boolean;
  /** Largest |cache logit - recompute logit| over all tokens (only with a filled cache). */
  max_abs_logit_diff?: number;
  skipped?: string;
  error?: string;
  note?: string;
}

export interface BenchReport {
  adapter: Record<string, string | number>;
  peer: string;
  /** The matmul variant per shape class our engine ran (src/kernels/tune.ts) and where it came from. */
  matmul: { source: string; choice: Record<string, string> };
  quick: boolean;
  train: TrainRow[];
  decode: DecodeRow[];
}

function randomTokens(n: number, vocab: number, seed: number): Uint32Array {
  const rng = new SeededRandom(seed);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng.next() * vocab);
  return out;
}

function describe(c: GPTConfig): string {
  return `L${c.n_layer} H${c.n_head} C${c.n_embd} V${c.vocab_size}`;
}

function errorText(e: unknown): string {
  const code = engineErrorCode(e);
  return `${code ? `[${code}] ` : ''}${(e as Error).message ?? String(e)}`;
}

/** The cases: the shipped model's config (or nanoGPT's tiny one), then GPT-2 small (or, if it does not fit, a vocab-cut variant). */
async function modelCases(limits: GPUSupportedLimits, quick: boolean, log: (s: string) => void, smallOnly = false): Promise<{ cases: ModelCase[]; skipped: ModelCase[] }> {
  const small = quick ? PLANS.quick : PLANS.small;
  const large = quick ? { ...PLANS.quick, prefill: false } : PLANS.large;
  // The shipped model's config (its weights are not needed: every case uses random weights).
  let shipped: GPTConfig | undefined;
  let why = `there is no ${SHIPPED_MODEL_DIR}`;
  if (existsSync(SHIPPED_MODEL_DIR)) {
    try {
      shipped = (await loadModelDir(SHIPPED_MODEL_DIR)).config;
    } catch (e) {
      why = `${SHIPPED_MODEL_DIR} could not be read: ${errorText(e)}`;
    }
  }
  const config = shipped ?? { ...TINY_SHAKESPEARE_CONFIG };
  const tiny: ModelCase = {
    model: `${shipped ? 'shakespeare-char, shipped config' : 'tiny shakespeare-char'} (${describe(config)})`,
    config,
    B: 12,
    T: config.block_size, // the shape it trains at (the shipped model: 128; nanoGPT's recipe: 64)
    context: Math.min(256, config.block_size),
    plan: small,
  };
  if (!shipped) tiny.note = `nanoGPT's shakespeare-char config (${why})`;
  if (tiny.context < 256) tiny.decodeNote = `decode context = block size ${tiny.config.block_size} (the model cannot see 256 tokens)`;

  const gpt2: GPTConfig = { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: GPT2_VOCAB_SIZE };
  const B = 1;
  const T = 64;
  const full: ModelCase = { model: 'GPT-2 small (124M)', config: gpt2, B, T, context: 256, plan: large };
  const cases = [tiny];
  const skipped: ModelCase[] = [];
  if (smallOnly) return { cases, skipped };
  try {
    validateConfig(gpt2, limits, B, T);
    cases.push(full);
  } catch (e) {
    if (!(e instanceof EngineError) || e.code !== 'TOO_LARGE') throw e;
    full.note = `does not fit this adapter: ${e.message}`;
    skipped.push(full);
    log(`GPT-2 small does not fit this adapter (${e.message}).`);
  }
  // Our engine binds wte in chunks (GPT.wteChunks); TensorFlow.js binds each tensor whole. Where the
  // 147 MiB wte exceeds the adapter's binding size, the side-by-side training comparison runs on the
  // same shapes with the largest power-of-two vocabulary whose wte fits one binding (training only).
  const wteBytes = gpt2.vocab_size * gpt2.n_embd * 4;
  if (wteBytes > limits.maxStorageBufferBindingSize) {
    const why = `TensorFlow.js binds the whole ${(wteBytes / 2 ** 20).toFixed(0)} MiB wte; this adapter binds at most ${limits.maxStorageBufferBindingSize / 2 ** 20} MiB (maxStorageBufferBindingSize)`;
    full.peerSkip = why;
    let vocab = 1 << Math.floor(Math.log2(limits.maxStorageBufferBindingSize / (gpt2.n_embd * 4)));
    vocab = Math.min(vocab, GPT2_VOCAB_SIZE);
    cases.push({
      model: `GPT-2-small-shaped, vocab cut to ${vocab}`,
      config: { ...gpt2, vocab_size: vocab },
      B,
      T,
      context: 256,
      plan: large,
      trainOnly: true,
      note: `for the comparison with TensorFlow.js: ${why}; same shapes with a ${(vocab * gpt2.n_embd * 4) / 2 ** 20} MiB wte`,
    });
  }
  return { cases, skipped };
}

type Tf = Awaited<ReturnType<typeof loadTfjsWebgpu>>['tf'];

async function trainCase(device: GPUDevice, peerLib: Tf | string, c: ModelCase, plan: Plan, log: (s: string) => void): Promise<TrainRow> {
  const { config, B, T } = c;
  const row: TrainRow = { model: c.model, B, T, steps: plan.trainSteps };
  if (c.note) row.note = c.note;
  validateConfig(config, device.limits, B, T);
  const layout = paramLayout(config);
  const weights = initParams(config, layout, SEED);
  const data = randomTokens(Math.max(B * T * 64, 100_000), config.vocab_size, SEED);
  const opts: TrainOptions = { batch: B, seqLen: T, steps: 1_000_000, lr: HYPER.lr, minLr: HYPER.lr, warmup: 0, weightDecay: HYPER.weightDecay, beta1: HYPER.beta1, beta2: HYPER.beta2, eps: HYPER.eps, gradClip: HYPER.gradClip, evalIters: 1, seed: SEED };

  let model: GPT | undefined;
  let trainer: Trainer | undefined;
  let peer: TfjsGpt | undefined;
  try {
    model = new GPT(device, config, { training: true });
    model.setWeights(weights);
    trainer = new Trainer(model, data, data, opts);
    if (typeof peerLib === 'string') row.peer_error = peerLib;
    else if (c.peerSkip) row.peer_error = c.peerSkip;
    else {
      try {
        peer = new TfjsGpt(peerLib, config, layout, weights, B, T, HYPER);
      } catch (e) {
        row.peer_error = errorText(e);
      }
    }
    // The peer sees the batches our Trainer draws (same sampler, same seed).
    const sampler = new BatchSampler(data, B, T, SEED);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < plan.trainWarmup + plan.trainSteps; i++) {
      const timed = i >= plan.trainWarmup;
      let t0 = performance.now();
      const r = await trainer.trainStep();
      const oursMs = performance.now() - t0;
      if (timed) ours.push(oursMs);
      if (i === 0) row.ours_first_loss = r.loss;
      const { x, y } = sampler.next();
      let peerMs = NaN;
      if (peer) {
        try {
          t0 = performance.now();
          const loss = await peer.step(x, y);
          peerMs = performance.now() - t0;
          if (timed) theirs.push(peerMs);
          if (i === 0) row.peer_first_loss = loss;
        } catch (e) {
          row.peer_error = errorText(e);
          peer.dispose();
          peer = undefined;
        }
      }
      log(`  ${timed ? 'step' : 'warm-up'} ${i + 1}: ours ${oursMs.toFixed(0)} ms (loss ${r.loss.toFixed(4)})${peer ? `, tfjs ${peerMs.toFixed(0)} ms` : ''}`);
    }
    row.ours_step_ms = median(ours);
    row.ours_tokens_per_s = (B * T) / (row.ours_step_ms / 1000);
    if (theirs.length === plan.trainSteps) {
      row.peer_step_ms = median(theirs);
      row.peer_tokens_per_s = (B * T) / (row.peer_step_ms / 1000);
      row.ratio = row.ours_tokens_per_s / row.peer_tokens_per_s;
    } else {
      row.peer_tokens_per_s = null;
      row.ratio = null;
    }
  } finally {
    peer?.dispose();
    trainer?.destroy();
    model?.destroy();
  }
  return row;
}

async function decodeCase(device: GPUDevice, c: ModelCase, plan: Plan, log: (s: string) => void): Promise<DecodeRow> {
  const { config, context } = c;
  const row: DecodeRow = { model: c.model, context, tokens: plan.decodeTokens };
  const note = [c.note, c.decodeNote].filter(Boolean).join('; ');
  if (note) row.note = note;
  const layout = paramLayout(config);
  const weights = initParams(config, layout, SEED);
  const prompt = Array.from(randomTokens(context - 1, config.vocab_size, SEED + 1));
  const fed = Array.from(randomTokens(plan.decodeWarmup + plan.decodeTokens, config.vocab_size, SEED + 2));
  let model: GPT | undefined;
  let decoder: Decoder | undefined;
  let recompute: Recompute | undefined;
  try {
    model = new GPT(device, config);
    model.setWeights(weights);
    decoder = new Decoder(model);
    recompute = new Recompute(model);
    let t0 = 0;
    if (plan.prefill) {
      // Fill the cache with the prompt (no read-back: the submits pipeline), then wait for it.
      t0 = performance.now();
      for (let p = 0; p < prompt.length; p++) await decoder.step(prompt[p]!, p, {});
      await device.queue.onSubmittedWorkDone();
      row.prefill_tokens_per_s = prompt.length / ((performance.now() - t0) / 1000);
      log(`  cache filled with ${prompt.length} tokens: ${row.prefill_tokens_per_s.toFixed(1)} tokens/s (no read-back)`);
    } else {
      row.cache_filled = false;
      const why = `--quick: cache not filled before timing (its ${context - 1} earlier positions hold zeros: same work per token, logits not compared)`;
      row.note = row.note ? `${row.note}; ${why}` : why;
    }
    const cache: number[] = [];
    const full: number[] = [];
    let maxDiff = 0;
    for (let i = 0; i < fed.length; i++) {
      const timed = i >= plan.decodeWarmup;
      const token = fed[i]!;
      t0 = performance.now();
      const { logits } = await decoder.step(token, context - 1, { logits: true });
      const cacheMs = performance.now() - t0;
      t0 = performance.now();
      const ref = await recompute.logits([...prompt, token], true);
      const fullMs = performance.now() - t0;
      if (timed) {
        cache.push(cacheMs);
        full.push(fullMs);
      }
      if (plan.prefill) for (let j = 0; j < ref.length; j++) maxDiff = Math.max(maxDiff, Math.abs(ref[j]! - logits![j]!));
      log(`  ${timed ? 'token' : 'warm-up'} ${i + 1}: cache ${cacheMs.toFixed(1)} ms, recompute ${fullMs.toFixed(1)} ms`);
    }
    row.cache_ms = median(cache);
    row.recompute_ms = median(full);
    row.cache_tokens_per_s = 1000 / row.cache_ms;
    row.recompute_tokens_per_s = 1000 / row.recompute_ms;
    row.ratio = row.cache_tokens_per_s / row.recompute_tokens_per_s;
    if (plan.prefill) row.max_abs_logit_diff = maxDiff;
  } finally {
    recompute?.destroy();
    decoder?.destroy();
    model?.destroy();
  }
  return row;
}

const fmtRate = (x: number | null | undefined) => (x == null ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtRatio = (x: number | null | undefined) => (x == null ? '—' : `${x.toFixed(2)}x`);

export function formatReport(r: BenchReport): string {
  const a = r.adapter;
  const out: string[] = [];
  out.push(`Adapter: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')}`);
  out.push(`Peer: ${r.peer}${r.quick ? '   (--quick: fewest steps, figures are rough)' : ''}`);
  out.push(`Our matmul (${r.matmul.source}): ${Object.entries(r.matmul.choice).map(([c, v]) => `${c} ${v}`).join(', ') || 'defaults'}`);
  out.push('', 'Training (tokens/s, median step; higher is better)');
  out.push(
    textTable(
      ['model', 'B', 'T', 'ours', 'tfjs', 'ours/tfjs', 'first loss ours / tfjs'],
      r.train.map((t) =>
        t.skipped || t.error
          ? [t.model, String(t.B), String(t.T), t.skipped ? 'skipped' : 'error', '', '', '']
          : [t.model, String(t.B), String(t.T), fmtRate(t.ours_tokens_per_s), fmtRate(t.peer_tokens_per_s), fmtRatio(t.ratio), `${t.ours_first_loss?.toFixed(4) ?? '—'} / ${t.peer_first_loss?.toFixed(4) ?? '—'}`],
      ),
    ),
  );
  out.push('', 'Decode (tokens/s at a fixed context, logits read every token)');
  out.push(
    textTable(
      ['model', 'context', 'KV cache', 'recompute', 'cache/recompute', 'max |Δlogit|'],
      r.decode.map((d) =>
        d.skipped || d.error
          ? [d.model, String(d.context), d.skipped ? 'skipped' : 'error', '', '', '']
          : [d.model, String(d.context), fmtRate(d.cache_tokens_per_s), fmtRate(d.recompute_tokens_per_s), fmtRatio(d.ratio), d.max_abs_logit_diff?.toExponential(1) ?? '—'],
      ),
    ),
  );
  // One line per model: its notes (training and decode rows share some), then failures.
  const notes = new Map<string, Set<string>>();
  const add = (model: string, text: string | undefined) => {
    if (!text) return;
    if (!notes.has(model)) notes.set(model, new Set());
    for (const part of text.split('; ')) notes.get(model)!.add(part.replace(/\.$/, ''));
  };
  for (const x of [...r.train, ...r.decode]) {
    add(x.model, x.skipped ?? x.note);
    if (x.error) add(x.model, `error: ${x.error}`);
    if ('peer_error' in x && x.peer_error) add(x.model, `TensorFlow.js failed: ${x.peer_error}`);
  }
  if (notes.size) out.push('', 'Notes:', ...[...notes].map(([model, parts]) => `  - ${model}: ${[...parts].join('; ')}.`));
  out.push('', 'All models use random weights; tokens/s from the median step.');
  return out.join('\n');
}

export async function runBench(args: { json?: boolean; quick?: boolean; small?: boolean }): Promise<void> {
  const json = !!args.json;
  const log = (s: string) => process.stderr.write(`${s}\n`);
  // With --json nothing but the report may reach stdout: route stray console output (TensorFlow.js, Dawn) to stderr.
  const saved = { log: console.log, info: console.info };
  if (json) console.log = console.info = (...xs: unknown[]) => console.error(...xs);
  try {
    const ctx = await createNodeContext();
    const { device } = ctx;
    // The matmul variant per shape class, as the product picks it (stored per adapter, else timed now).
    const tuning = await tuneKernelsNode(device, { adapter: ctx.adapterInfo, log });
    log(`matmul choice (${tuning.source}): ${JSON.stringify(tuning.choice)}`);
    let peerLib: Tf | string;
    let peerName: string;
    try {
      const { tf, adapter } = await loadTfjsWebgpu(nodeGpu());
      peerLib = tf;
      peerName = `TensorFlow.js ${tf.version_core} WebGPU backend (adapter: ${adapter})`;
    } catch (e) {
      peerLib = `TensorFlow.js's WebGPU backend did not start: ${errorText(e)}`;
      peerName = 'TensorFlow.js (unavailable)';
      log(peerLib);
    }
    const report: BenchReport = {
      adapter: {
        ...ctx.adapterInfo,
        maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
        maxBufferSize: device.limits.maxBufferSize,
      },
      peer: peerName,
      matmul: { source: tuning.source, choice: tuning.choice },
      quick: !!args.quick,
      train: [],
      decode: [],
    };
    const { cases, skipped } = await modelCases(device.limits, !!args.quick, log, !!args.small);
    for (const s of skipped) {
      const reason = s.note ?? 'does not fit this adapter';
      report.train.push({ model: s.model, B: s.B, T: s.T, skipped: reason });
      report.decode.push({ model: s.model, context: s.context, skipped: reason });
    }
    let failed = false;
    for (const c of cases) {
      log(`train: ${c.model}, B=${c.B} T=${c.T}`);
      try {
        report.train.push(await trainCase(device, peerLib, c, c.plan, log));
      } catch (e) {
        failed = true;
        report.train.push({ model: c.model, B: c.B, T: c.T, error: errorText(e) });
        log(`  error: ${errorText(e)}`);
      }
      if (c.trainOnly) continue;
      log(`decode: ${c.model}, context ${c.context}`);
      try {
        report.decode.push(await decodeCase(device, c, c.plan, log));
      } catch (e) {
        failed = true;
        report.decode.push({ model: c.model, context: c.context, error: errorText(e) });
        log(`  error: ${errorText(e)}`);
      }
    }
    // Skipped cases first in the listing is confusing: keep the order tiny, full, variant.
    const order = (m: string) => (m.startsWith('GPT-2 small') ? 1 : m.startsWith('GPT-2-small-shaped') ? 2 : 0);
    report.train.sort((a, b) => order(a.model) - order(b.model));
    report.decode.sort((a, b) => order(a.model) - order(b.model));
    const text = formatReport(report);
    if (json) {
      process.stderr.write(`\n${text}\n`);
      await writeStdout(JSON.stringify(report, null, 2));
    } else {
      await writeStdout(`\n${text}`);
    }
    if (failed) throw new Error('some benchmark cases failed (see "error" in the report)');
  } finally {
    console.log = saved.log;
    console.info = saved.info;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, small: { type: 'boolean' } } });
  await runBench(values);
  return 0;
}

main().then(
  (rc) => process.exit(rc),
  (e: unknown) => {
    process.stderr.write(`error: ${errorText(e)}\n`);
    if (process.env.DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  },
);
