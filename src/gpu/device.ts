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
  /** Called for errors no error scope caught; by default they are logged. */
  onUncapturedError?: (message: string) => void;
}

export async function createGpuContext(gpu: GPU | undefined, opts: CreateContextOptions = {}): Promise<GpuContext> {
  if (!gpu) {
    throw new EngineError('NO_WEBGPU', 'WebGPU is not available here. Use a recent Chrome or Edge (113+), or enable WebGPU in your browser settings.');
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new EngineError('NO_WEBGPU', 'No WebGPU adapter was found. Check that hardware acceleration is on, or install a Vulkan driver (Mesa lavapipe works without a GPU).');
  }
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
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures: features });
  } catch (e) {
    throw new EngineError('NO_WEBGPU', `The WebGPU adapter refused to create a device: ${(e as Error).message}`);
  }
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  device.addEventListener('uncapturederror', (ev) => {
    const message = (ev as GPUUncapturedErrorEvent).error.message;
    (opts.onUncapturedError ?? ((m: string) => console.error('[webgpu] uncaptured error:', m)))(message);
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

/** Runs `fn` inside validation + out-of-memory error scopes and turns a captured error into an EngineError. */
export async function withErrorScopes<T>(device: GPUDevice, what: string, fn: () => T): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const result = fn();
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  if (oom) throw new EngineError('OUT_OF_MEMORY', `The GPU ran out of memory while ${what}: ${oom.message}. Try a smaller model or batch.`);
  if (validation) throw new EngineError('GPU_VALIDATION', `WebGPU validation failed while ${what}: ${validation.message}`);
  return result;
}
