import { describe, expect, it } from 'vitest';
import { learningRate, type LrSchedule } from './schedule';

const s: LrSchedule = { lr: 1e-3, minLr: 1e-4, warmup: 100, decaySteps: 5000 };

describe('learningRate (nanoGPT get_lr)', () => {
  it('warms up linearly as lr * (it + 1) / (warmup + 1)', () => {
    expect(learningRate(0, s)).toBeCloseTo(1e-3 / 101, 15);
    expect(learningRate(49, s)).toBeCloseTo((1e-3 * 50) / 101, 15);
    expect(learningRate(99, s)).toBeCloseTo((1e-3 * 100) / 101, 15);
    for (let i = 1; i < 100; i++) expect(learningRate(i, s)).toBeGreaterThan(learningRate(i - 1, s));
  });

  it('reaches lr at the end of warmup, then decays by a half cosine to minLr', () => {
    expect(learningRate(100, s)).toBeCloseTo(1e-3, 15);
    // Halfway through the decay the cosine factor is 0.5.
    expect(learningRate(2550, s)).toBeCloseTo(1e-4 + 0.5 * 9e-4, 15);
    // A quarter: 0.5 * (1 + cos(pi/4)).
    expect(learningRate(100 + 1225, s)).toBeCloseTo(1e-4 + 0.5 * (1 + Math.SQRT1_2) * 9e-4, 15);
    for (let i = 101; i <= 5000; i += 37) expect(learningRate(i, s)).toBeLessThan(learningRate(i - 1, s));
  });

  it('is minLr at and after decaySteps', () => {
    expect(learningRate(5000, s)).toBe(1e-4);
    expect(learningRate(4999, s)).toBeGreaterThan(1e-4);
    expect(learningRate(4999, s)).toBeLessThan(1e-4 + 1e-9);
    expect(learningRate(5001, s)).toBe(1e-4);
    expect(learningRate(1e6, s)).toBe(1e-4);
  });

  it('handles no warmup and decaySteps <= warmup without NaN', () => {
    expect(learningRate(0, { ...s, warmup: 0 })).toBe(1e-3);
    const flat = { lr: 1, minLr: 0.1, warmup: 10, decaySteps: 10 };
    expect(learningRate(9, flat)).toBeCloseTo(10 / 11, 15);
    expect(learningRate(10, flat)).toBe(0.1);
  });

  it('rejects negative steps', () => {
    expect(() => learningRate(-1, s)).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
  });
});
