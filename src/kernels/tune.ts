/**
 * The kernel tuner: picks matmul's variant per shape class and the attention forward's variant for
 * this device (src/gpu/tuner.ts does the timing and the storing), and makes the result the
 * device's KernelChoice (src/kernels/choice.ts): `await tuneKernels(device, store, onProgress)` once
 * after the device is created; or, not to keep a first visit waiting, `storedKernelTuning` at once
 * and tuneKernels later in the background (models record the device's choice of the moment).
 *
 * Representative shape: M = N = K = 128 (1024 on GPUs, see GPU_SHAPE) (4 MFLOP: a few ms a call on SwiftShader on 2 cores, 50x
 * that when the machine is busy), so that the whole run fits about 2 s on a software adapter; on a
 * GPU it is milliseconds. Each candidate runs twice (src/gpu/tuner.ts). Candidates come in order
 * of how likely they are to win on some adapter: the block kernels (lavapipe), the barrier-free
 * 4x4 ones (SwiftShader), the workgroup-memory tiles (GPUs).
 *
 * The same run times the attention forward (class 'attention': the default kernel against the
 * workgroup-memory tiled one, src/kernels/attention.ts) and stores its choice in the same record.
 */
import { MATMUL_VARIANTS, defaultMatmulVariant, isDecodeVariant, matmul, matmulVariantRuns, parseMatmulVariant, type MatmulLayout, type MatmulShapeClass, type MatmulVariant } from './matmul';
import { attentionForward, attentionVariantRuns, defaultAttentionVariant, type AttentionVariant } from './attention';
import { parseKernelChoice, setKernelChoice, usableChoice, type KernelChoice } from './choice';
import { tuneWeights, weightsCandidates } from './tune-weights';
import { createStorage } from '../gpu/buffers';
import { destroyDispatch, encodeDispatches, type Dispatch } from '../gpu/dispatch';
import { cachedTuning, tuneClasses, tuningKey, type AdapterIdentity, type TuneClass, type TuneProgress, type TuningRecord, type TuningStore } from '../gpu/tuner';

/** Bump when a kernel or the timing changes in a way that can change the winner: stored choices are then redone (4: warm-up before timing; 5: the attention class; 6: the weights class). */
const TUNING_VERSION = 6;
const LAYOUTS: readonly MatmulLayout[] = ['nn', 'nt', 'tn'];
const SHAPE = 128;
/**
 * On an adapter that runs the default at 128³ in under 50 µs (over 80 GFLOP/s: a GPU), 128³ is
 * launch overhead, not kernel: the candidates are timed at 1024³ instead (2 GFLOP, ~25 ms at that
 * speed, well under a millisecond on a fast GPU).
 */
const GPU_SHAPE = 1024;
const GPU_CALL_MS = 0.05;
/**
 * The attention class: the fused causal forward at B=1 T=128 C=256 NH=4 (HS=64; 4 heads × 128²/2
 * scores; about a millisecond on lavapipe); where matmul is timed at GPU_SHAPE, B=4 T=1024 instead.
 */
const ATTENTION_SHAPE = { B: 1, T: 128, C: 256, NH: 4 };
const ATTENTION_GPU_SHAPE = { B: 4, T: 1024, C: 256, NH: 4 };

export interface TuneKernelsOptions {
  /**
   * A fixed choice instead of tuning: one variant for every class ('direct8x8'), or per class
   * ('nn=tiled16x16k16,nt=block'), or an object. Nothing is timed or stored. Node reads it from
   * WEBGPU_GPT_MATMUL (src/node/tuning.ts).
   */
  force?: string | KernelChoice;
  /** Wall budget of a tuning run, ms (default 2000). */
  budgetMs?: number;
  /** Wall budget of the weights class after it, ms (default WEIGHTS_BUDGET_MS). */
  weightsBudgetMs?: number;
  /** The adapter, when the device does not carry `adapterInfo` (older browsers). */
  adapter?: AdapterIdentity;
  /** Awaited before each candidate (TuneOptions.yieldTo): a tuning run in the background waits there for the page's work. */
  yieldTo?: () => Promise<void>;
}

export interface KernelTuningResult {
  choice: KernelChoice;
  /** 'cache': read from the store; 'tuned': timed now (and stored); 'forced': given. */
  source: 'cache' | 'tuned' | 'forced';
  record?: TuningRecord;
}

/** The variants worth timing on this device for a shape class (all classes when omitted), the default first. */
export function matmulCandidates(device: GPUDevice, cls?: MatmulShapeClass): MatmulVariant[] {
  const def = defaultMatmulVariant(device);
  // Layout classes skip the one-row-of-threads variants (made for M = 1); decode takes only those and the block kernels.
  const fits = (v: MatmulVariant) => {
    if (cls === undefined) return true;
    const k = parseMatmulVariant(v);
    return cls === 'decode' ? isDecodeVariant(v) : k.kind === 'block' || k.wgY > 1;
  };
  return [def, ...MATMUL_VARIANTS.filter((v) => v !== def && v !== 'block' && matmulVariantRuns(device, v) && fits(v))];
}

/** The attention forward variants worth timing on this device, the default first. */
export function attentionCandidates(device: GPUDevice): AttentionVariant[] {
  const def = defaultAttentionVariant(device);
  return [def, ...(['tiled'] as const).filter((v) => v !== def && attentionVariantRuns(device, v))];
}

function adapterOf(device: GPUDevice, given?: AdapterIdentity): AdapterIdentity {
  const info = given ?? (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return { vendor: info?.vendor ?? '', architecture: info?.architecture ?? '', device: info?.device ?? '', description: info?.description ?? '' };
}

/** The store key of this device's kernel tuning (adapter, driver, kernel set; 'matmul' first, as since version 1, so stored records stay valid). */
export function kernelTuningKey(device: GPUDevice, adapter?: AdapterIdentity): string {
  return tuningKey(adapterOf(device, adapter), `matmul v${TUNING_VERSION} ${matmulCandidates(device).join(' ')} attention ${attentionCandidates(device).join(' ')} weights ${weightsCandidates(device).join(' ')}`);
}

/**
 * Resolves this device's KernelChoice, once: forced, else stored for this adapter + driver, else
 * timed now within the budget (then stored); sets it (setKernelChoice). Call before building any model.
 */
export async function tuneKernels(device: GPUDevice, store: TuningStore, onProgress?: (p: TuneProgress) => void, opts: TuneKernelsOptions = {}): Promise<KernelTuningResult> {
  if (opts.force !== undefined) {
    const choice = typeof opts.force === 'string' ? parseKernelChoice(opts.force) : opts.force;
    setKernelChoice(device, choice);
    onProgress?.({ phase: 'forced', done: 1, message: `matmul forced: ${JSON.stringify(choice)}` });
    return { choice, source: 'forced' };
  }
  const key = kernelTuningKey(device, opts.adapter);
  const { record, cached } = await cachedTuning(store, key, () => runTuning(device, opts, onProgress), onProgress);
  const choice = usableChoice(device, record.choice);
  setKernelChoice(device, choice);
  return { choice, source: cached ? 'cache' : 'tuned', record };
}

/**
 * The choice stored for this adapter + driver, made the device's (setKernelChoice), or undefined
 * when it was never tuned: then it keeps the defaults, and tuneKernels may run later (in the
 * background: a first visit does not wait for it). Times nothing.
 */
export async function storedKernelTuning(device: GPUDevice, store: TuningStore, opts: Pick<TuneKernelsOptions, 'adapter'> = {}): Promise<KernelTuningResult | undefined> {
  const record = await store.load(kernelTuningKey(device, opts.adapter));
  if (!record) return undefined;
  const choice = usableChoice(device, record.choice);
  setKernelChoice(device, choice);
  return { choice, source: 'cache', record };
}

/** ms of one call of the default nn kernel at n³ (after a warm-up call), on zeroed inputs. */
async function probeCall(device: GPUDevice, n: number): Promise<number> {
  const [a, b, out] = ['a', 'b', 'out'].map((name) => createStorage(device, `tune.probe.${name}`, n * n * 4));
  const d = matmul(device, { out: { buffer: out! }, a: { buffer: a! }, b: { buffer: b! }, M: n, N: n, K: n });
  try {
    const time = async (iters: number) => {
      const t0 = performance.now();
      submitDispatches(device, [d], iters);
      await device.queue.onSubmittedWorkDone();
      return (performance.now() - t0) / iters;
    };
    await time(1);
    return await time(2);
  } finally {
    destroyDispatch(d);
    for (const buf of [a, b, out]) buf!.destroy();
  }
}

/** One pass, `iters` copies (kept out of async functions: see bench/harness.ts submitRepeated). */
function submitDispatches(device: GPUDevice, ds: Dispatch[], iters: number): void {
  const enc = device.createCommandEncoder({ label: 'tune.probe' });
  const pass = enc.beginComputePass();
  for (let i = 0; i < iters; i++) encodeDispatches(pass, ds);
  pass.end();
  device.queue.submit([enc.finish()]);
}

async function runTuning(device: GPUDevice, { budgetMs, weightsBudgetMs, yieldTo }: TuneKernelsOptions, onProgress?: (p: TuneProgress) => void): Promise<Omit<TuningRecord, 'key'>> {
  await yieldTo?.();
  const n = (await probeCall(device, SHAPE)) < GPU_CALL_MS ? GPU_SHAPE : SHAPE;
  // Layout classes at n³; the decode class as one token through a (n, 8n) weight, like c_fc.
  const dec = { M: 1, N: 8 * n, K: n };
  const att = n === GPU_SHAPE ? ATTENTION_GPU_SHAPE : ATTENTION_SHAPE;
  const bufs = [n * n, n * n, n * n, dec.K, dec.K * dec.N, dec.N, att.B * att.T * 3 * att.C, att.B * att.T * att.C, att.B * att.NH * att.T].map((floats, i) =>
    createStorage(device, `tune.${i}`, floats * 4),
  );
  const [a, b, out, da, db, dout, qkv, aout, lse] = bufs.map((buffer) => ({ buffer }));
  try {
    const classes: TuneClass[] = [...LAYOUTS, 'decode' as const].map((cls) => ({
      name: cls,
      candidates: matmulCandidates(device, cls).map((variant) => ({
        id: variant,
        build: () => [
          cls === 'decode'
            ? matmul(device, { out: dout!, a: da!, b: db!, ...dec, variant })
            : matmul(device, { out: out!, a: a!, b: b!, M: n, N: n, K: n, layout: cls, variant }),
        ],
      })),
    }));
    // Last: matmul's candidates of each round come first. In a browser on SwiftShader, timing the
    // tiled attention before them spent the budget, and matmul fell back to its default (block,
    // 2-3x slower there than direct16x4: training at 1.5x TensorFlow.js instead of 4.7x).
    classes.push({
      name: 'attention',
      candidates: attentionCandidates(device).map((variant) => ({
        id: variant,
        build: () => attentionForward(device, aout!, lse!, qkv!, att.B, att.T, att.C, att.NH, { variant }),
      })),
    });
    const kernels = await tuneClasses(device, classes, { budgetMs, yieldTo, onProgress: onProgress && ((p) => p.phase !== 'done' && onProgress({ ...p, done: p.done * 0.9 })) });
    // Then the decoder's weights, f32 (on the decode kernel just chosen) or 16-bit: the page's default.
    const weights = await tuneWeights(device, n === GPU_SHAPE, kernels.choice.decode as MatmulVariant | undefined, onProgress && ((p) => onProgress({ ...p, done: p.phase === 'done' ? 1 : 0.9 + 0.1 * p.done })), { budgetMs: weightsBudgetMs, yieldTo });
    return {
      choice: { ...kernels.choice, ...weights.choice },
      timings: { ...kernels.timings, ...weights.timings },
      tuneMs: kernels.tuneMs + weights.tuneMs,
      tunedAt: kernels.tunedAt,
      shape: n,
    };
  } finally {
    for (const buf of bufs) buf.destroy();
  }
}
