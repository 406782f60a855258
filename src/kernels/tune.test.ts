import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matmul } from './matmul';
import { attentionCandidates, kernelTuningKey, matmulCandidates, storedKernelTuning, tuneKernels } from './tune';
import { attentionForward } from './attention';
import { kernelChoice, parseKernelChoice, setKernelChoice } from './choice';
import { memoryTuningStore } from '../gpu/tuner';
import { USAGE } from '../gpu/buffers';
import { fileTuningStore, tuneKernelsNode } from '../node/tuning';
import { testDevice } from '../../test/gpu';

/** A matmul built with the device's choice: its label ends with the variant that was built. */
async function builtVariant(layout: 'nn' | 'nt' | 'tn', M = 64): Promise<string> {
  const device = await testDevice();
  const tiny = device.createBuffer({ size: 256, usage: USAGE.STORAGE });
  const buf = { buffer: tiny };
  const label = matmul(device, { out: buf, a: buf, b: buf, M, N: 3, K: 4, layout, choice: kernelChoice(device) }).label;
  tiny.destroy();
  return label.replace(/^.*_(block_sg|block|direct\d+x\d+|tiled\d+x\d+k\d+)$/, '$1');
}

/** The attention forward kernel built with the device's choice: its label. */
async function builtAttention(): Promise<string> {
  const device = await testDevice();
  const tiny = device.createBuffer({ size: 4096, usage: USAGE.STORAGE });
  const buf = { buffer: tiny };
  const label = attentionForward(device, buf, buf, buf, 1, 4, 8, 2, { variant: kernelChoice(device).attention })[0]!.label;
  tiny.destroy();
  return label;
}

describe('kernel tuning (matmul and attention)', () => {
  it('tunes once within the budget, stores the choice, and matmul builds it', async () => {
    const device = await testDevice();
    const store = memoryTuningStore();
    const progress: string[] = [];
    const t = await tuneKernels(device, store, (p) => progress.push(p.phase), { budgetMs: 30_000 }); // every candidate gets timed, even on a loaded machine
    try {
      expect(t.source).toBe('tuned');
      expect(Object.keys(t.choice).sort()).toEqual(['attention', 'decode', 'nn', 'nt', 'tn', 'weights']);
      const { attention, weights, ...mm } = t.choice; // weights: the decoder's, tune-weights.test.ts
      for (const [cls, v] of Object.entries(mm)) expect(matmulCandidates(device, cls as 'nn' | 'decode')).toContain(v);
      // The attention class: the default and the tiled kernel both timed, the choice applied.
      expect(attentionCandidates(device)).toContain('tiled');
      expect(Object.keys(t.record!.timings.attention!).sort()).toEqual([...attentionCandidates(device)].sort());
      expect(attentionCandidates(device)).toContain(attention);
      expect(kernelChoice(device).attention).toBe(attention);
      expect(await builtAttention()).toBe(attention === 'tiled' ? 'attention_forward_tiled' : attention === 'subgroups' ? 'attention_forward_sg' : 'attention_forward');
      expect(matmulCandidates(device, 'decode')).not.toContain('direct8x8');
      expect(matmulCandidates(device, 'nn')).not.toContain('direct64x1');
      expect(store.records.get(kernelTuningKey(device))?.choice).toEqual(t.choice);
      expect(progress.at(-1)).toBe('done');
      expect(kernelChoice(device)).toEqual({ ...mm, attention, weights });
      expect(await builtVariant('nt')).toBe(t.choice.nt);
      // A second start on the same adapter reads the store: nothing is timed.
      const again: string[] = [];
      const t2 = await tuneKernels(device, store, (p) => again.push(p.phase));
      expect(t2.source).toBe('cache');
      expect(t2.choice).toEqual(t.choice);
      expect(again).toEqual(['cached']);
      // A stored attention id this build does not know falls back to the default.
      const rec = store.records.get(kernelTuningKey(device))!;
      rec.choice.attention = 'flash9';
      const t3 = await tuneKernels(device, store);
      expect(t3.choice.attention).toBeUndefined();
      expect(kernelChoice(device).attention).toBeUndefined();
    } finally {
      setKernelChoice(device, {});
    }
  });

  it('honours a forced choice without timing or storing', async () => {
    const device = await testDevice();
    const store = memoryTuningStore();
    try {
      const t = await tuneKernels(device, store, undefined, { force: 'direct8x8' });
      expect(t).toEqual({ source: 'forced', choice: { nn: 'direct8x8', nt: 'direct8x8', tn: 'direct8x8' } });
      expect(store.records.size).toBe(0);
      expect(await builtVariant('tn')).toBe('direct8x8');
      await tuneKernels(device, store, undefined, { force: 'nn=tiled8x8k16, tn=block' });
      expect(await builtVariant('nn')).toBe('tiled8x8k16');
      expect(await builtVariant('tn')).toBe('block');
      expect(await builtVariant('nt')).toMatch(/^block/); // not chosen: the default
      expect(await builtVariant('nn', 1)).toMatch(/^block/); // decoding shapes keep the block kernel
      await tuneKernels(device, store, undefined, { force: 'decode=direct64x1,nn=direct8x8' });
      expect(await builtVariant('nn', 1)).toBe('direct64x1');
      expect(await builtVariant('nt', 1)).toBe('direct64x1');
      expect(await builtVariant('nn')).toBe('direct8x8');
      expect(kernelChoice(device).attention).toBeUndefined();
      await tuneKernels(device, store, undefined, { force: 'attention=tiled' });
      expect(await builtAttention()).toBe('attention_forward_tiled');
      expect(await builtVariant('nn')).toMatch(/^block/);
      await tuneKernels(device, store, undefined, { force: 'nn=block' }); // a forced choice without attention: the default again
      expect(kernelChoice(device).attention).toBeUndefined();
      expect(store.records.size).toBe(0);
    } finally {
      setKernelChoice(device, {});
    }
  });

  it('rejects unknown variants and classes in a forced choice', () => {
    expect(() => parseKernelChoice('fastest')).toThrow(/unknown matmul variant/);
    expect(() => parseKernelChoice('nm=block')).toThrow(/class/);
    expect(parseKernelChoice('decode=block,nt=direct16x4')).toEqual({ decode: 'block', nt: 'direct16x4' });
    expect(parseKernelChoice('attention=tiled,nn=block')).toEqual({ attention: 'tiled', nn: 'block' });
    expect(() => parseKernelChoice('attention=block')).toThrow(/unknown attention variant/);
  });

  it('in Node: a cache file per adapter, and WEBGPU_GPT_MATMUL forces', async () => {
    const device = await testDevice();
    const file = join(mkdtempSync(join(tmpdir(), 'tuning-')), 'sub', 'tuning.json');
    const saved = { file: process.env.WEBGPU_GPT_TUNING_FILE, force: process.env.WEBGPU_GPT_MATMUL };
    try {
      process.env.WEBGPU_GPT_TUNING_FILE = file;
      delete process.env.WEBGPU_GPT_MATMUL;
      const lines: string[] = [];
      const first = await tuneKernelsNode(device, { budgetMs: 200, log: (l) => lines.push(l) });
      expect(first.source).toBe('tuned');
      const onDisk = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { choice: unknown }>;
      expect(onDisk[kernelTuningKey(device)]?.choice).toEqual(first.choice);
      expect((await fileTuningStore(file).load(kernelTuningKey(device)))?.choice).toEqual(first.choice);
      expect((await tuneKernelsNode(device, { log: (l) => lines.push(l) })).source).toBe('cache');
      process.env.WEBGPU_GPT_MATMUL = 'tiled16x16k16';
      const forced = await tuneKernelsNode(device, { log: (l) => lines.push(l) });
      expect(forced.source).toBe('forced');
      expect(await builtVariant('nn')).toBe('tiled16x16k16');
    } finally {
      for (const [k, v] of [['WEBGPU_GPT_TUNING_FILE', saved.file], ['WEBGPU_GPT_MATMUL', saved.force]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      setKernelChoice(device, {});
    }
  });

  it("storedKernelTuning: nothing stored leaves the defaults and times nothing; a stored choice is made the device's", async () => {
    const device = await testDevice();
    const store = memoryTuningStore();
    try {
      setKernelChoice(device, {});
      expect(await storedKernelTuning(device, store)).toBeUndefined();
      expect(kernelChoice(device)).toEqual({});
      const other = matmulCandidates(device, 'nn').at(-1)!;
      await store.save({ key: kernelTuningKey(device), choice: { nn: other }, timings: {}, tuneMs: 1, tunedAt: 'then' });
      const r = await storedKernelTuning(device, store);
      expect(r?.source).toBe('cache');
      expect(kernelChoice(device)).toEqual({ nn: other });
      expect(await builtVariant('nn')).toBe(other);
    } finally {
      setKernelChoice(device, {});
    }
  });
});
