/**
 * Allocation inside error scopes (src/gpu/device.ts allocateScoped, openErrorScopes): what the device reports for
 * the allocations comes back as OUT_OF_MEMORY or GPU_VALIDATION, and what was built is undone.
 * A fake device stands in, since a real out-of-memory cannot be provoked on demand.
 */
import { describe, expect, it } from 'vitest';
import { allocateScoped, gpuErrorCode, openErrorScopes } from './device';

class FakeOom { constructor(readonly message: string) {} }
Object.defineProperty(FakeOom, 'name', { value: 'GPUOutOfMemoryError' });

/** A device whose scopes capture what the test says: pops answer innermost (validation) first. */
function fakeDevice(captured: { validation?: string; oom?: string }) {
  const stack: string[] = [];
  const device = {
    pushErrorScope: (f: string) => void stack.push(f),
    popErrorScope: async () => {
      const f = stack.pop();
      if (f === 'validation' && captured.validation) return { message: captured.validation };
      if (f === 'out-of-memory' && captured.oom) return new FakeOom(captured.oom);
      return null;
    },
  };
  return { device: device as unknown as GPUDevice, stack };
}

describe('allocateScoped', () => {
  it('returns the result at once and resolves when nothing was reported', async () => {
    const { device, stack } = fakeDevice({});
    const { result, checked } = allocateScoped(device, 'allocating the model', () => 42, () => {
      throw new Error('not undone');
    });
    expect(result).toBe(42);
    expect(stack).toEqual([]);
    await expect(checked).resolves.toBeUndefined();
  });

  it('reports an out-of-memory error as OUT_OF_MEMORY and undoes the allocation', async () => {
    const { device } = fakeDevice({ oom: 'Not enough memory for a 512 MiB buffer', validation: 'follow-on error' });
    const undone: number[] = [];
    const { checked } = allocateScoped(device, 'allocating “big”', () => 7, (r) => undone.push(r));
    await expect(checked).rejects.toMatchObject({
      code: 'OUT_OF_MEMORY',
      message: 'The GPU ran out of memory while allocating “big”: Not enough memory for a 512 MiB buffer. Try a smaller model or batch, or close other tabs that use the GPU.',
    });
    expect(undone).toEqual([7]);
  });

  it('reports a validation error as GPU_VALIDATION', async () => {
    const { device } = fakeDevice({ validation: 'Buffer size exceeds maxBufferSize' });
    await expect(allocateScoped(device, 'allocating', () => 1, () => undefined).checked).rejects.toMatchObject({ code: 'GPU_VALIDATION' });
  });

  it('pops both scopes when the build throws, and the throw wins', () => {
    const { device, stack } = fakeDevice({});
    expect(() => allocateScoped(device, 'x', () => {
      throw new Error('boom');
    }, () => undefined)).toThrow('boom');
    expect(stack).toEqual([]);
  });

  it('openErrorScopes: held across allocations, check() reports OUT_OF_MEMORY, close() pops once', async () => {
    const { device, stack } = fakeDevice({ oom: 'no room for the AdamW moments' });
    const scopes = openErrorScopes(device, 'allocating “fox” for training');
    expect(stack).toEqual(['out-of-memory', 'validation']);
    await expect(scopes.check()).rejects.toMatchObject({ code: 'OUT_OF_MEMORY', message: expect.stringMatching(/^The GPU ran out of memory while allocating “fox” for training: no room for the AdamW moments\./) });
    scopes.close();
    expect(stack).toEqual([]);
    const clean = fakeDevice({});
    const s2 = openErrorScopes(clean.device, 'x');
    s2.close(); // a run that failed before its check
    expect(clean.stack).toEqual([]);
  });

  it('classifies uncaptured errors by their class', () => {
    expect(gpuErrorCode(new FakeOom('x') as unknown as GPUError)).toBe('OUT_OF_MEMORY');
    expect(gpuErrorCode({ message: 'y' } as GPUError)).toBe('GPU_VALIDATION');
  });
});
