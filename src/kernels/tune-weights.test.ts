/** The tuner's 'weights' class: f32 against the 16-bit forms of the decoder, timed on the adapter itself (lavapipe here). */
import { describe, expect, it } from 'vitest';
import { gpuBytesInUse } from '../gpu/buffers';
import { memoryTuningStore, tuneClasses } from '../gpu/tuner';
import { testContext, testDevice } from '../../test/gpu';
import { kernelChoice, parseKernelChoice, setKernelChoice, usableChoice } from './choice';
import { tuneKernels } from './tune';
import { weightsCandidates, weightsClass } from './tune-weights';

describe('tuner: decoder weights', () => {
  it('times f32 and the 16-bit forms, the 16-bit default first, and frees what it made', async () => {
    const device = await testDevice();
    const before = gpuBytesInUse(device);
    const w = weightsClass(device, false);
    expect(w.cls.candidates.map((c) => c.id)).toEqual(weightsCandidates(device));
    expect(w.cls.candidates[0]!.id).toBe('f16packed'); // the default: kept when the budget runs out
    try {
      const r = await tuneClasses(device, [w.cls], { budgetMs: 60_000 });
      expect(Object.keys(r.timings.weights!).sort()).toEqual(weightsCandidates(device).sort());
      expect(weightsCandidates(device)).toContain(r.choice.weights);
    } finally {
      w.destroy();
    }
    // The 19 MB of timed weights are gone; what stays is matvec16's 16-byte placeholder and the like, made once per device.
    expect(gpuBytesInUse(device) - before).toBeLessThan(1024);
  });

  it("tuneKernels times it after the kernels (f32 on the decode kernel it chose), stores the pick with theirs, makes it the device's; 16-bit on lavapipe", async () => {
    const { device, adapterInfo } = await testContext();
    const saved = kernelChoice(device);
    try {
      const store = memoryTuningStore();
      const progress: number[] = [];
      // Budgets that time every candidate even on a loaded machine (the page's are 2 s and 1.5 s).
      const r = await tuneKernels(device, store, (p) => progress.push(p.done), { budgetMs: 60_000, weightsBudgetMs: 60_000 });
      console.log(`weights class on ${adapterInfo.device || adapterInfo.description} (ms per MLP, decode kernel ${r.record!.choice.decode}):`, JSON.stringify(r.record!.timings.weights));
      expect(Object.keys(r.record!.timings.weights!).sort()).toEqual(weightsCandidates(device).sort());
      expect(progress.at(-1)).toBe(1);
      for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
      // On lavapipe (the CI adapter) GPT-2 small's MLP reads 18.9 MB of f32 weights against 9.4 of
      // 16-bit, bandwidth-bound on a CPU: half the bytes wins (bench:decode-weights: 1.6-2.8x on
      // whole decode steps). Other adapters decide for themselves.
      if (/llvmpipe|lavapipe/i.test(`${adapterInfo.device} ${adapterInfo.description} ${adapterInfo.architecture}`)) expect(r.record!.choice.weights).toMatch(/^f16/);
      else expect(weightsCandidates(device)).toContain(r.record!.choice.weights);
      expect(kernelChoice(device).weights).toBe(r.record!.choice.weights);
      // Read back from the store: nothing timed again, the same pick.
      setKernelChoice(device, {});
      const again = await tuneKernels(device, store);
      expect(again.source).toBe('cache');
      expect(kernelChoice(device).weights).toBe(r.record!.choice.weights);
    } finally {
      setKernelChoice(device, saved);
    }
  });

  it('parses, checks and forces the weights choice', async () => {
    const device = await testDevice();
    expect(parseKernelChoice('weights=f32,nn=block')).toEqual({ weights: 'f32', nn: 'block' });
    expect(() => parseKernelChoice('weights=f8')).toThrow(/unknown decoder weights 'f8'/);
    expect(usableChoice(device, { weights: 'f16packed' })).toEqual({ weights: 'f16packed' });
    expect(usableChoice(device, { weights: 'bogus' })).toEqual({});
    // 'f16' only where shader-f16 runs.
    expect(usableChoice(device, { weights: 'f16' })).toEqual(device.features.has('shader-f16') ? { weights: 'f16' } : {});
  });
});
