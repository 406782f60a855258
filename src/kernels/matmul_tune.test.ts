import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getMatmulChoice, matmul, setMatmulChoice } from './matmul';
import { attentionCandidates, matmulCandidates, matmulTuningKey, parseMatmulChoice, tuneMatmul } from './matmul_tune';
import { attentionForward, getAttentionChoice, setAttentionChoice } from './attention';
import { memoryTuningStore } from '../gpu/tuner';
import { USAGE } from '../gpu/buffers';
import { fileTuningStore, tuneMatmulNode } from '../node/tuning';
import { testDevice } from '../../test/gpu';

/** A matmul label ends with the variant that was built. */
async function builtVariant(layout: 'nn' | 'nt' | 'tn', M = 64): Promise<string> {
  const device = await testDevice();
  const tiny = device.createBuffer({ size: 256, usage: USAGE.STORAGE });
  const buf = { buffer: tiny };
  const label = matmul(device, { out: buf, a: buf, b: buf, M, N: 3, K: 4, layout }).label;
  tiny.destroy();
  return label.replace(/^.*_(block_sg|block|direct\d+x\d+|tiled\d+x\d+k\d+)$/, '$1');
}

/** The attention forward kernel built with default options: its label. */
async function builtAttention(): Promise<string> {
  const device = await testDevice();
  const tiny = device.createBuffer({ size: 4096, usage: USAGE.STORAGE });
  const buf = { buffer: tiny };
  const label = attentionForward(device, buf, buf, buf, 1, 4, 8, 2)[0]!.label;
  tiny.destroy();
  return label;
}

describe('matmul tuning', () => {
  it('tunes once within the budget, stores the choice, and matmul builds it', async () => {
    const device = await testDevice();
    const store = memoryTuningStore();
    const progress: string[] = [];
    const t = await tuneMatmul(device, store, (p) => progress.push(p.phase), { budgetMs: 5000 }); // every candidate gets timed
    try {
      expect(t.source).toBe('tuned');
      expect(Object.keys(t.choice).sort()).toEqual(['attention', 'decode', 'nn', 'nt', 'tn']);
      const { attention, ...mm } = t.choice;
      for (const [cls, v] of Object.entries(mm)) expect(matmulCandidates(device, cls as 'nn' | 'decode')).toContain(v);
      // The attention class: the default and the tiled kernel both timed, the choice applied.
      expect(attentionCandidates(device)).toContain('tiled');
      expect(Object.keys(t.record!.timings.attention!).sort()).toEqual([...attentionCandidates(device)].sort());
      expect(attentionCandidates(device)).toContain(attention);
      expect(getAttentionChoice(device)).toBe(attention);
      expect(await builtAttention()).toBe(attention === 'tiled' ? 'attention_forward_tiled' : attention === 'subgroups' ? 'attention_forward_sg' : 'attention_forward');
      expect(matmulCandidates(device, 'decode')).not.toContain('direct8x8');
      expect(matmulCandidates(device, 'nn')).not.toContain('direct64x1');
      expect(store.records.get(matmulTuningKey(device))?.choice).toEqual(t.choice);
      expect(progress.at(-1)).toBe('done');
      expect(getMatmulChoice(device)).toEqual(mm);
      expect(await builtVariant('nt')).toBe(t.choice.nt);
      // A second start on the same adapter reads the store: nothing is timed.
      const again: string[] = [];
      const t2 = await tuneMatmul(device, store, (p) => again.push(p.phase));
      expect(t2.source).toBe('cache');
      expect(t2.choice).toEqual(t.choice);
      expect(again).toEqual(['cached']);
      // A stored attention id this build does not know falls back to the default.
      const rec = store.records.get(matmulTuningKey(device))!;
      rec.choice.attention = 'flash9';
      const t3 = await tuneMatmul(device, store);
      expect(t3.choice.attention).toBeUndefined();
      expect(getAttentionChoice(device)).toBeUndefined();
    } finally {
      setMatmulChoice(device, {});
      setAttentionChoice(device, undefined);
    }
  });

  it('honours a forced choice without timing or storing', async () => {
    const device = await testDevice();
    const store = memoryTuningStore();
    try {
      const t = await tuneMatmul(device, store, undefined, { force: 'direct8x8' });
      expect(t).toEqual({ source: 'forced', choice: { nn: 'direct8x8', nt: 'direct8x8', tn: 'direct8x8' } });
      expect(store.records.size).toBe(0);
      expect(await builtVariant('tn')).toBe('direct8x8');
      await tuneMatmul(device, store, undefined, { force: 'nn=tiled8x8k16, tn=block' });
      expect(await builtVariant('nn')).toBe('tiled8x8k16');
      expect(await builtVariant('tn')).toBe('block');
      expect(await builtVariant('nt')).toMatch(/^block/); // not chosen: the default
      expect(await builtVariant('nn', 1)).toMatch(/^block/); // decoding shapes keep the block kernel
      await tuneMatmul(device, store, undefined, { force: 'decode=direct64x1,nn=direct8x8' });
      expect(await builtVariant('nn', 1)).toBe('direct64x1');
      expect(await builtVariant('nt', 1)).toBe('direct64x1');
      expect(await builtVariant('nn')).toBe('direct8x8');
      expect(getAttentionChoice(device)).toBeUndefined();
      await tuneMatmul(device, store, undefined, { force: 'attention=tiled' });
      expect(await builtAttention()).toBe('attention_forward_tiled');
      expect(await builtVariant('nn')).toMatch(/^block/);
      await tuneMatmul(device, store, undefined, { force: 'nn=block' }); // a forced choice without attention: the default again
      expect(getAttentionChoice(device)).toBeUndefined();
      expect(store.records.size).toBe(0);
    } finally {
      setMatmulChoice(device, {});
      setAttentionChoice(device, undefined);
    }
  });

  it('rejects unknown variants and classes in a forced choice', () => {
    expect(() => parseMatmulChoice('fastest')).toThrow(/unknown matmul variant/);
    expect(() => parseMatmulChoice('nm=block')).toThrow(/class/);
    expect(parseMatmulChoice('decode=block,nt=direct16x4')).toEqual({ decode: 'block', nt: 'direct16x4' });
    expect(parseMatmulChoice('attention=tiled,nn=block')).toEqual({ attention: 'tiled', nn: 'block' });
    expect(() => parseMatmulChoice('attention=block')).toThrow(/unknown attention variant/);
  });

  it('in Node: a cache file per adapter, and WEBGPU_GPT_MATMUL forces', async () => {
    const device = await testDevice();
    const file = join(mkdtempSync(join(tmpdir(), 'tuning-')), 'sub', 'tuning.json');
    const saved = { file: process.env.WEBGPU_GPT_TUNING_FILE, force: process.env.WEBGPU_GPT_MATMUL };
    try {
      process.env.WEBGPU_GPT_TUNING_FILE = file;
      delete process.env.WEBGPU_GPT_MATMUL;
      const lines: string[] = [];
      const first = await tuneMatmulNode(device, { budgetMs: 200, log: (l) => lines.push(l) });
      expect(first.source).toBe('tuned');
      const onDisk = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { choice: unknown }>;
      expect(onDisk[matmulTuningKey(device)]?.choice).toEqual(first.choice);
      expect((await fileTuningStore(file).load(matmulTuningKey(device)))?.choice).toEqual(first.choice);
      expect((await tuneMatmulNode(device, { log: (l) => lines.push(l) })).source).toBe('cache');
      process.env.WEBGPU_GPT_MATMUL = 'tiled16x16k16';
      const forced = await tuneMatmulNode(device, { log: (l) => lines.push(l) });
      expect(forced.source).toBe('forced');
      expect(await builtVariant('nn')).toBe('tiled16x16k16');
    } finally {
      for (const [k, v] of [['WEBGPU_GPT_TUNING_FILE', saved.file], ['WEBGPU_GPT_MATMUL', saved.force]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      setMatmulChoice(device, {});
      setAttentionChoice(device, undefined);
    }
  });
});
