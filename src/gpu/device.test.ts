import { describe, expect, it } from 'vitest';
import { createGpuContext, NoWebGpuError, type NoWebGpuReason } from './device';

async function reasonOf(gpu: GPU | undefined): Promise<{ reason: NoWebGpuReason; message: string }> {
  try {
    await createGpuContext(gpu);
  } catch (e) {
    expect(e).toBeInstanceOf(NoWebGpuError);
    return { reason: (e as NoWebGpuError).reason, message: (e as Error).message };
  }
  throw new Error('createGpuContext succeeded');
}

/** A stand-in for navigator.gpu whose adapter request (and the adapter's device request) do what a test says. */
function fakeGpu(adapter: 'null' | 'reject' | { requestDevice: () => Promise<GPUDevice> }): GPU {
  return {
    requestAdapter: async () => {
      if (adapter === 'null') return null;
      if (adapter === 'reject') throw new Error('adapter request failed');
      return { limits: {}, features: new Set(), info: {}, requestDevice: adapter.requestDevice } as unknown as GPUAdapter;
    },
  } as unknown as GPU;
}

describe('why there is no WebGPU device (NO_WEBGPU with a reason)', () => {
  it('no navigator.gpu: no-api', async () => {
    const r = await reasonOf(undefined);
    expect(r.reason).toBe('no-api');
    expect(r.message).toContain('navigator.gpu is missing');
  });
  it('requestAdapter() returns null or rejects: no-adapter', async () => {
    expect((await reasonOf(fakeGpu('null'))).reason).toBe('no-adapter');
    const r = await reasonOf(fakeGpu('reject'));
    expect(r.reason).toBe('no-adapter');
    expect(r.message).toContain('adapter request failed');
  });
  it('requestDevice() rejects: no-device', async () => {
    const r = await reasonOf(fakeGpu({ requestDevice: () => Promise.reject(new Error('blocked by policy')) }));
    expect(r.reason).toBe('no-device');
    expect(r.message).toContain('blocked by policy');
  });
});
