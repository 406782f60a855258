import { EngineError } from '../errors';
import { probeSubgroups } from './subgroups';

/**
 * One place where a GPUDevice is made: limits raised to what the adapter allows (GPT-2 small's
 * 154 MB wte exceeds the default 128 MiB binding size), device loss and uncaptured errors wired.
 */
export interface GpuContext {
  device: GPUDevice;
  adapterInfo: { vendor: string; architecture: string; device: string; description: string };
  features: string[];
  /** The subgroup kernels run on this device (see src/gpu/subgroups.ts). */
  subgroups: boolean;
  /** Resolves (never rejects) when the device is lost; `reason` is 'destroyed' after destroy(). */
  lost: Promise<GPUDeviceLostInfo>;
}

export interface CreateContextOptions {
  /** Called for errors no error scope caught (see gpuErrorCode); by default they are logged. */
  onUncapturedError?: (error: GPUError) => void;
}

/** The engine's code for a WebGPU error: OUT_OF_MEMORY for GPUOutOfMemoryError, else GPU_VALIDATION (validation and internal errors). */
export function gpuErrorCode(error: GPUError): 'OUT_OF_MEMORY' | 'GPU_VALIDATION' {
  const oom = typeof GPUOutOfMemoryError !== 'undefined' ? error instanceof GPUOutOfMemoryError : error?.constructor?.name === 'GPUOutOfMemoryError';
  return oom ? 'OUT_OF_MEMORY' : 'GPU_VALIDATION';
}

/**
 * Why there is no WebGPU device, as three different things a user can do something about:
 * - 'no-api': `navigator.gpu` is missing (the browser has no WebGPU, or has it off, or the page is
 *   not a secure context);
 * - 'no-adapter': requestAdapter() gave null or did not answer (GPU or driver blocklisted, hardware
 *   acceleration off, no usable GPU);
 * - 'no-device': the adapter refused (or never answered) requestDevice.
 */
export type NoWebGpuReason = 'no-api' | 'no-adapter' | 'no-device';

/** NO_WEBGPU with its reason (the reason stays in this thread; callers pass it on explicitly). */
export class NoWebGpuError extends EngineError {
  readonly reason: NoWebGpuReason;
  constructor(reason: NoWebGpuReason, message: string) {
    super('NO_WEBGPU', message);
    this.reason = reason;
  }
}

/** Adapter and device requests that never settle (seen with broken drivers) count as failures after this long. */
const REQUEST_TIMEOUT_MS = 20_000;

function withTimeout<T>(p: Promise<T>, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), REQUEST_TIMEOUT_MS);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

export async function createGpuContext(gpu: GPU | undefined, opts: CreateContextOptions = {}): Promise<GpuContext> {
  if (!gpu) {
    throw new NoWebGpuError('no-api', 'This browser has no WebGPU: navigator.gpu is missing (WebGPU is not built in, is switched off, or the page is not a secure context).');
  }
  const noAdapter = (why: string) =>
    new NoWebGpuError('no-adapter', `This browser has WebGPU, but it gave no GPU adapter (${why}). The GPU or its driver may be blocklisted, or hardware acceleration is off.`);
  let adapter: GPUAdapter | null;
  try {
    adapter = await withTimeout(gpu.requestAdapter({ powerPreference: 'high-performance' }), () => noAdapter(`no answer in ${REQUEST_TIMEOUT_MS / 1000} s`));
  } catch (e) {
    if (e instanceof NoWebGpuError) throw e;
    throw noAdapter((e as Error).message);
  }
  if (!adapter) throw noAdapter('requestAdapter() returned null');
  const want: (keyof GPUSupportedLimits)[] = [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxStorageBuffersPerShaderStage',
  ];
  const requiredLimits: Record<string, number> = {};
  for (const k of want) requiredLimits[k] = adapter.limits[k] as number;
  const features = [...adapter.features].filter((f) => f === 'timestamp-query' || f === 'shader-f16' || f === 'subgroups') as GPUFeatureName[];
  let device: GPUDevice;
  try {
    device = await withTimeout(adapter.requestDevice({ requiredLimits, requiredFeatures: features }), () => new Error(`no answer in ${REQUEST_TIMEOUT_MS / 1000} s`));
  } catch (e) {
    throw new NoWebGpuError('no-device', `The WebGPU adapter refused to create a device (${(e as Error).message}). The browser may block WebGPU for this GPU.`);
  }
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  device.addEventListener('uncapturederror', (ev) => {
    const { error } = ev as GPUUncapturedErrorEvent;
    (opts.onUncapturedError ?? ((e: GPUError) => console.error(`[webgpu] uncaptured ${gpuErrorCode(e)} error:`, e.message)))(error);
  });
  const subgroups = await probeSubgroups(device);
  return {
    device,
    subgroups,
    adapterInfo: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
    },
    features,
    lost: device.lost,
  };
}

/** The captured errors of a validation + out-of-memory scope pair as one EngineError (OUT_OF_MEMORY first), or undefined. */
function scopeError(what: string, validation: GPUError | null, oom: GPUError | null): EngineError | undefined {
  if (oom) return new EngineError('OUT_OF_MEMORY', `The GPU ran out of memory while ${what}: ${oom.message}. Try a smaller model or batch, or close other tabs that use the GPU.`);
  if (validation) return new EngineError('GPU_VALIDATION', `WebGPU validation failed while ${what}: ${validation.message}`);
  return undefined;
}

/**
 * Runs the synchronous `build` (buffer and pipeline creation) inside out-of-memory + validation
 * error scopes. Its result comes back at once; `checked` resolves when the device reported nothing
 * and otherwise calls `undo(result)` and rejects with OUT_OF_MEMORY or GPU_VALIDATION. The scopes
 * are popped even when `build` throws. Sync point: none (popErrorScope only waits for the queue's
 * error reports, not for GPU work).
 */
export function allocateScoped<T>(device: GPUDevice, what: string, build: () => T, undo: (result: T) => void): { result: T; checked: Promise<void> } {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T;
  try {
    result = build();
  } catch (e) {
    // Pop in any case (a scope left pushed would swallow every later error); the throw wins.
    void device.popErrorScope().catch(() => null);
    void device.popErrorScope().catch(() => null);
    throw e;
  }
  const validation = device.popErrorScope();
  const oom = device.popErrorScope();
  const checked = Promise.all([validation, oom]).then(([v, o]) => {
    const err = scopeError(what, v, o);
    if (!err) return;
    undo(result);
    throw err;
  });
  return { result, checked };
}

/**
 * Validation + out-of-memory error scopes held open across several allocations (a training run's
 * model, trainer and decoder). `check()` pops them and rejects with OUT_OF_MEMORY or GPU_VALIDATION
 * when the device reported an error; `close()` (for a finally) pops them if `check()` never ran.
 * Nothing else may push a scope in between: they nest.
 */
export function openErrorScopes(device: GPUDevice, what: string): { check(): Promise<void>; close(): void } {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let popped: Promise<[GPUError | null, GPUError | null]> | undefined;
  const pop = () => (popped ??= Promise.all([device.popErrorScope(), device.popErrorScope()]));
  return {
    async check() {
      const [validation, oom] = await pop();
      const err = scopeError(what, validation, oom);
      if (err) throw err;
    },
    close() {
      void pop().catch(() => undefined);
    },
  };
}

/** Runs `fn` inside validation + out-of-memory error scopes and turns a captured error into an EngineError. */
export async function withErrorScopes<T>(device: GPUDevice, what: string, fn: () => T): Promise<T> {
  const { result, checked } = allocateScoped(device, what, fn, () => undefined);
  await checked;
  return result;
}
