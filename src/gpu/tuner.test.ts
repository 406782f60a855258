import { describe, expect, it } from 'vitest';
import { cachedTuning, memoryTuningStore, tuneClasses, tuningKey, webStorageTuningStore, type TuneClass, type TuningRecord } from './tuner';
import { createDispatch, getPipeline, type Dispatch } from './dispatch';
import { createStorage } from './buffers';
import { testDevice } from '../../test/gpu';

/** A kernel that loops `work` times per invocation: candidates that differ only in cost. */
const SPIN = /* wgsl */ `
override WORK: u32 = 1u;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  var s = 0.0;
  for (var i = 0u; i < WORK; i++) { s += sin(f32(i + g.x)); }
  out[g.x] = s;
}`;

function spin(device: GPUDevice, out: GPUBuffer, work: number): Dispatch[] {
  return [createDispatch(device, { label: `spin${work}`, pipeline: getPipeline(device, 'spin', SPIN, { WORK: work }), buffers: [{ buffer: out }], workgroups: 16 })];
}

describe('tuner', () => {
  it('picks the fastest candidate per class, the default always timed', async () => {
    const device = await testDevice();
    const out = createStorage(device, 'spin.out', 1024 * 4);
    const classes: TuneClass[] = [
      { name: 'a', candidates: [{ id: 'slow', build: () => spin(device, out, 20_000) }, { id: 'fast', build: () => spin(device, out, 1) }] },
      { name: 'b', candidates: [{ id: 'fast', build: () => spin(device, out, 1) }, { id: 'slow', build: () => spin(device, out, 20_000) }] },
    ];
    const r = await tuneClasses(device, classes, { budgetMs: 10_000 });
    expect(r.choice).toEqual({ a: 'fast', b: 'fast' });
    expect(Object.keys(r.timings.a!)).toEqual(['slow', 'fast']);
    // With no budget left only each class's default is timed, and it is chosen.
    const none = await tuneClasses(device, classes, { budgetMs: 0 });
    expect(none.choice).toEqual({ a: 'slow', b: 'fast' });
    expect(Object.keys(none.timings.a!)).toEqual(['slow']);
    out.destroy();
  });

  it('does not time compilation: a candidate slow only on its first call (a browser compiles then) still wins', async () => {
    const device = await testDevice();
    const out = createStorage(device, 'spin.out', 1024 * 4);
    // A clock that adds 100 s to the first call after a build, as a browser's lazy compile would.
    let offset = 0;
    let compile: 'none' | 'built' | 'started' = 'none';
    const now = () => {
      if (compile === 'built') compile = 'started';
      else if (compile === 'started') {
        offset += 100_000;
        compile = 'none';
      }
      return performance.now() + offset;
    };
    const lazy = (work: number) => () => ((compile = 'built'), spin(device, out, work));
    const classes: TuneClass[] = [{ name: 'a', candidates: [{ id: 'slow', build: () => spin(device, out, 400_000) }, { id: 'fast', build: lazy(1) }] }];
    // A budget that the compile exhausts (and the slow candidate does not, even on a loaded machine):
    // no second pass re-times what the first timed.
    const r = await tuneClasses(device, classes, { budgetMs: 30_000, now });
    expect(offset).toBe(100_000); // the compile happened, in the warm-up
    expect(r.timings.a!.fast!).toBeLessThan(r.timings.a!.slow!);
    expect(r.choice).toEqual({ a: 'fast' });
    out.destroy();
  });

  it('in the background: waits at yieldTo before each candidate, and the wait counts neither against the budget nor in tuneMs', async () => {
    const device = await testDevice();
    const out = createStorage(device, 'spin.out', 1024 * 4);
    const classes: TuneClass[] = [
      { name: 'a', candidates: [{ id: 'slow', build: () => spin(device, out, 20_000) }, { id: 'fast', build: () => spin(device, out, 1) }] },
      { name: 'b', candidates: [{ id: 'fast', build: () => spin(device, out, 1) }, { id: 'slow', build: () => spin(device, out, 20_000) }] },
    ];
    // The page is busy for 60 s (of a fake clock) at every yield: far past the 10 s budget.
    let offset = 0;
    let yields = 0;
    const now = () => performance.now() + offset;
    const yieldTo = () => ((yields++, (offset += 60_000)), Promise.resolve());
    const r = await tuneClasses(device, classes, { budgetMs: 10_000, now, yieldTo });
    expect(yields).toBe(8); // 4 candidates, 2 passes: every one was timed although 480 s went by
    expect(r.choice).toEqual({ a: 'fast', b: 'fast' });
    expect(r.tuneMs).toBeLessThan(10_000);
    out.destroy();
  });

  it('stores a tuning and reuses it: a cached key is not tuned again', async () => {
    const store = memoryTuningStore();
    let runs = 0;
    const tune = () => (runs++, Promise.resolve({ choice: { nn: 'x' }, timings: {}, tuneMs: 1, tunedAt: 'now' }));
    const first = await cachedTuning(store, 'k', tune);
    expect(first.cached).toBe(false);
    expect(store.records.get('k')?.choice).toEqual({ nn: 'x' });
    const phases: string[] = [];
    const second = await cachedTuning(store, 'k', tune, (p) => phases.push(p.phase));
    expect(second).toEqual({ record: first.record, cached: true });
    expect(runs).toBe(1);
    expect(phases).toEqual(['cached']);
    await cachedTuning(store, 'other adapter', tune);
    expect(runs).toBe(2);
  });

  it('keeps records in Web Storage, and tunes again over a damaged one', async () => {
    const items = new Map<string, string>();
    const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
    const store = webStorageTuningStore(storage);
    const record: TuningRecord = { key: 'k', choice: { nn: 'x' }, timings: {}, tuneMs: 1, tunedAt: 'now' };
    await store.save(record);
    expect(await webStorageTuningStore(storage).load('k')).toEqual(record);
    items.set('webgpu-gpt.tuning:k', '{not json');
    expect(await store.load('k')).toBeUndefined();
  });

  it('keys by adapter, driver and candidate set', () => {
    const info = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'Mesa 25.0.7' };
    const k = tuningKey(info, 'matmul v1');
    expect(tuningKey({ ...info, description: 'Mesa 25.1.0' }, 'matmul v1')).not.toBe(k);
    expect(tuningKey(info, 'matmul v2')).not.toBe(k);
    expect(tuningKey({ ...info }, 'matmul v1')).toBe(k);
  });
});
