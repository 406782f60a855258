/** getPipeline's per-device cache: built once, found again, bounded (least recently used dropped). */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { cachedPipeline, getPipeline, PIPELINE_CACHE_MAX } from './dispatch';

// Its own shader (a label and code no kernel uses), specialised by one override.
const CODE = `override K: u32 = 0u;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(1) fn main() { out[0] = K; }`;
const LABEL = 'dispatch.test';
const id = (k: number) => ({ label: LABEL, code: CODE, entryPoint: 'main', constants: { K: k } });

describe('pipeline cache', () => {
  it('builds a pipeline once, and drops the least recently used beyond PIPELINE_CACHE_MAX', async () => {
    const device = await testDevice();
    const first = getPipeline(device, LABEL, CODE, { K: 0 });
    expect(getPipeline(device, LABEL, CODE, { K: 0 })).toBe(first);
    const second = getPipeline(device, LABEL, CODE, { K: 1 });
    expect(second).not.toBe(first);
    // Fill the cache past its bound, using K = 0 again halfway: it is then recent, K = 1 is not.
    for (let k = 2; k < PIPELINE_CACHE_MAX + 2; k++) {
      getPipeline(device, LABEL, CODE, { K: k });
      if (k === PIPELINE_CACHE_MAX / 2) expect(getPipeline(device, LABEL, CODE, { K: 0 })).toBe(first);
    }
    expect(cachedPipeline(device, id(0))).toBe(first);
    expect(cachedPipeline(device, id(1))).toBeUndefined(); // the least recently used: dropped
    expect(cachedPipeline(device, id(PIPELINE_CACHE_MAX + 1))).toBeDefined();
    // Dropped is not lost: it is built again on demand (a new object).
    const again = getPipeline(device, LABEL, CODE, { K: 1 });
    expect(again).not.toBe(second);
    expect(cachedPipeline(device, id(1))).toBe(again);
  });
});
