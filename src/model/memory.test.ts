import { describe, expect, it } from 'vitest';
import { TINY_SHAKESPEARE_CONFIG } from './config';
import { estimateBuffers } from './memory';
import { paramLayout } from './params';

// What the estimate lets through and refuses is specified with validateConfig in config.test.ts.
describe('memory estimate', () => {
  it('estimates the parameter-sized buffers from the padded layout', () => {
    const est = estimateBuffers(TINY_SHAKESPEARE_CONFIG, 8);
    const total = paramLayout(TINY_SHAKESPEARE_CONFIG).totalFloats * 4;
    expect(est[0]).toMatchObject({ name: 'parameters', bytes: total, count: 1 });
    expect(est.find((b) => b.name.includes('logits'))?.bytes).toBe(8 * 64 * 65 * 4);
  });
});
