/**
 * The worker's GPU device: created on first use, recreated after a loss. Whoever holds GPU
 * objects registers a reset callback, so a lost device drops them all in one place. Faults that
 * happen outside any call (the device lost, a GPU error no scope caught) go to the fault
 * listeners (the UI, through EngineApi.watchFaults) instead of only the worker's console.
 */
import { indexedDbTuningStore, memoryTuningStore, type TuneProgress, type TuningStore } from '../../gpu/tuner';
import { storedKernelTuning, tuneKernels } from '../../model/tuning';
import { compileForGeneration } from '../../model/compile-ahead';
import type { GPTConfig } from '../../model/config';
import type { DecoderOptions } from '../../model/generate';
import type { KernelTuning, TuningProgress } from '../api';
import { createGpuContext, gpuErrorCode, NoWebGpuError, type GpuContext, type NoWebGpuReason } from '../../gpu/device';
import { EngineError } from '../../errors';
import type { EngineFault } from '../api';

let ctx: GpuContext | undefined;
/** Why there is no model any more, when the device was lost. */
let lostMessage: string | undefined;
const onLost: ((message: string) => void)[] = [];
const faultListeners: ((f: EngineFault) => void)[] = [];
/** Set by loseDeviceForTest: its destroy() counts as a loss, not as a deliberate teardown. */
let simulatedLoss = false;

/** Registers a listener for faults outside any call (the UI's, through watchFaults). */
export function onFault(f: (fault: EngineFault) => void): void {
  faultListeners.push(f);
}

function emitFault(fault: EngineFault): void {
  for (const f of faultListeners) {
    try {
      f(fault);
    } catch (e) {
      console.error('fault listener failed:', e); // a closed page's proxy: nothing else to tell
    }
  }
}

export async function device(): Promise<GpuContext> {
  if (ctx) return ctx;
  // One creation at a time: concurrent first calls (init, a load) share it.
  creating ??= create().finally(() => (creating = undefined));
  return creating;
}

let creating: Promise<GpuContext> | undefined;

async function create(): Promise<GpuContext> {
  const created = await createGpuContext((self.navigator as Navigator).gpu, {
    onUncapturedError: (error) => {
      console.error('[webgpu] uncaptured error:', error.message);
      emitFault({ kind: 'gpu-error', code: gpuErrorCode(error), message: error.message });
    },
  });
  // Kernels that fit this adapter: read from the store when this adapter was tuned before (no
  // timing). Else the defaults, which run everywhere, until the tuner has timed the candidates in
  // the background (tuneInBackground): a first visit does not wait for it.
  try {
    const t0 = performance.now();
    const stored = await storedKernelTuning(created.device, tuningStore());
    if (stored) tuning = { source: 'cache', choice: { ...stored.choice }, ms: Math.round(performance.now() - t0) };
    else {
      tuning = { source: 'background', choice: {}, ms: 0, done: 0 };
      background = tuneInBackground(created);
    }
  } catch (e) {
    console.warn('reading the kernel tuning failed; the default kernels run:', e);
  }
  ctx = created;
  created.lost.then((info) => {
    if (ctx !== created) return;
    ctx = undefined; // the next device() call creates a new one
    const simulated = simulatedLoss;
    simulatedLoss = false;
    if (info.reason === 'destroyed' && !simulated) return;
    console.error('GPU device lost:', info.message);
    const why = simulated ? 'destroyed by the test hook' : info.message;
    lostMessage = `The GPU device was lost${why ? ` (${why})` : ''}, and the model with it; the next load makes a new device and brings a model back.`;
    for (const f of onLost) f(lostMessage);
    emitFault({ kind: 'device-lost', message: `The GPU device was lost${why ? ` (${why})` : ''}.` });
  });
  return created;
}

/** Tuning choices live in IndexedDB per adapter and driver; without it (tests, odd hosts), in memory. */
function tuningStore(): TuningStore {
  return globalThis.indexedDB ? indexedDbTuningStore() : memoryTuningStore();
}

let tuning: KernelTuning | undefined;
let tuneListener: ((p: TuningProgress) => void) | undefined;
/** The tuning run in the background, while one runs. */
let background: Promise<void> | undefined;
/** What the background tuner waits for before each candidate (setTuningGate); it gives up waiting when `stop()` turns true. */
let gate: (stop: () => boolean) => Promise<void> = () => Promise.resolve();
/** Set while a caller waits for the tuning (tunedDevice): the tuner stops yielding. */
let urgent = false;
/**
 * The tuner's budget in the background. On SwiftShader with two busy cores the run takes 2.7-4.8 s
 * of wall time (compiling each candidate is most of it), which is why it no longer runs before
 * the first model.
 */
const BACKGROUND_BUDGET_MS = 2000;

/**
 * Times the kernel candidates for this adapter while the page is idle (the gate: no load,
 * generation or training running) and makes the winner the device's choice: a model that is
 * generating switches at its next step (Decoder re-records), training built later uses it. The
 * record is stored, so a later visit reads it (no timing). A failure leaves the defaults.
 */
function tuneInBackground(created: GpuContext): Promise<void> {
  const report = (p: TuneProgress) => {
    if (p.phase === 'tuning' && tuning?.source === 'background') tuning = { ...tuning, done: p.done };
    tuneListener?.({ ...p, tuning });
  };
  const run = async () => {
    try {
      const t = await tuneKernels(created.device, tuningStore(), report, { budgetMs: BACKGROUND_BUDGET_MS, yieldTo: () => gate(() => urgent) });
      if (ctx !== created) return; // the device was lost meanwhile: its successor reads the store
      tuning = { source: t.source, choice: { ...t.choice }, ms: Math.round(t.record?.tuneMs ?? 0) };
      console.info(`[first-visit] kernels tuned in the background in ${tuning.ms} ms: ${JSON.stringify(tuning.choice)}`);
    } catch (e) {
      console.warn('kernel tuning failed; the default kernels run:', e);
      if (ctx === created && tuning?.source === 'background') tuning = { source: 'forced', choice: {}, ms: 0 };
    } finally {
      if (background === running) background = undefined; // not a successor device's run
      tuneListener?.({ phase: 'done', done: 1, message: 'kernel tuning finished', tuning });
    }
  };
  const running: Promise<void> = run();
  return running;
}

/** What the background tuner waits for before each candidate: the engine's "nothing running" (Jobs.whenIdle). */
export function setTuningGate(g: (stop: () => boolean) => Promise<void>): void {
  gate = g;
}

/**
 * The device once its kernels are tuned: waits for a background tuning run (which stops yielding
 * to the page meanwhile). Training builds its programs once and runs them for minutes: it starts
 * with the tuned kernels, not the defaults.
 */
export async function tunedDevice(): Promise<GpuContext> {
  const c = await device();
  const running = background;
  if (running) {
    urgent = true;
    try {
      await running;
    } finally {
      urgent = false;
    }
  }
  return c;
}

/**
 * Progress and outcome of the kernel tuning (for the page's status line): a first visit tunes in
 * the background after init has answered, so the listener stays registered.
 */
export function onTuneProgress(f: ((p: TuningProgress) => void) | undefined): void {
  tuneListener = f;
}

/** How the current device's kernels were chosen. */
export function kernelTuning(): KernelTuning | undefined {
  return tuning;
}

/** Test hook: destroys the device as a driver reset would lose it (the page must recover). */
export function loseDeviceForTest(): void {
  if (!ctx) throw new EngineError('DEVICE_LOST', 'There is no GPU device to lose.');
  simulatedLoss = true;
  ctx.device.destroy();
}

/** Test hook: a GPU validation error outside any error scope (MAP_READ cannot go with STORAGE). */
export async function uncapturedErrorForTest(): Promise<void> {
  if (!ctx) throw new EngineError('DEVICE_LOST', 'There is no GPU device.');
  const { device: d } = ctx;
  d.createBuffer({ label: 'test hook: invalid usage', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
  // The error travels back from the GPU process; a queue round trip makes sure it has arrived.
  d.queue.submit([]);
  await d.queue.onSubmittedWorkDone();
}

/** Registers what to drop when the device is lost. */
export function whenLost(f: (message: string) => void): void {
  onLost.push(f);
}

/**
 * Like lostOr, for a failure that may be the first sign of a loss: a GPU call on a lost device
 * (mapAsync) can fail before `device.lost` resolves, so wait a moment for it before deciding.
 */
export async function lostOrSettled(e: unknown): Promise<unknown> {
  const c = ctx;
  if (c && !(e instanceof EngineError)) await Promise.race([c.lost, new Promise((r) => setTimeout(r, 1000))]);
  return lostOr(e);
}

/** The error to report for a failure that happened because the device was lost, else `e` itself. */
export function lostOr(e: unknown): unknown {
  return lostMessage && !ctx ? new EngineError('DEVICE_LOST', lostMessage) : e;
}

export function deviceLostMessage(): string | undefined {
  return ctx ? undefined : lostMessage;
}

export function clearLost(): void {
  lostMessage = undefined;
}

/** Why this browser has no WebGPU device, once a first attempt failed; the engine then runs on the CPU. */
let noWebGpu: { reason: NoWebGpuReason; message: string } | undefined;

/**
 * The device, or 'cpu' when the browser has no WebGPU (no navigator.gpu, no adapter, or no device):
 * small models then generate on the CPU (src/reference/decode.ts) and training is not offered.
 * Decided once per worker; any other failure is thrown.
 */
export async function backend(): Promise<GpuContext | 'cpu'> {
  if (noWebGpu) return 'cpu';
  try {
    return await device();
  } catch (e) {
    if (!(e instanceof NoWebGpuError)) throw e;
    noWebGpu = { reason: e.reason, message: e.message };
    return 'cpu';
  }
}

export function webGpuProblem(): { reason: NoWebGpuReason; message: string } | undefined {
  return noWebGpu;
}

/**
 * Compiles the pipelines of a model's first generation (src/model/compile-ahead.ts) while its
 * weights download, on a first visit: called when its config is known. Logs what each took (the bench of the first
 * visit, npm run bench:first-visit, reads the `[first-visit]` lines). Never rejects: a pipeline
 * not compiled ahead is compiled at first use, as before.
 */
export async function compileAheadFor(c: GpuContext | 'cpu', config: GPTConfig, decoder: DecoderOptions): Promise<void> {
  // Only while this adapter is new to this profile (its tuning not stored yet): on a later visit the
  // browser's own shader cache makes the usual compile at first use cheap, and compiling ahead
  // measured slower there (docs/benchmarks.md, "The first visit").
  if (c === 'cpu' || tuning?.source === 'cache') return;
  try {
    // The decoder models.ts builds for this load (models.nextDecoder: 16-bit or f32, as the Write tab's weights say).
    const r = await compileForGeneration(c.device, config, [decoder]);
    const each = r.pipelines.map((p) => `${p.label} ${p.ms} ms`).join(', ');
    console.info(`[first-visit] compiled ${r.pipelines.length} pipelines ahead in parallel in ${r.ms} ms (${r.cached} already built): ${each}`);
  } catch (e) {
    console.warn('compiling ahead failed; the pipelines compile at first use:', e);
  }
}
