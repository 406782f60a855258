import { describe, expect, it } from 'vitest';
import { downsampleMaxAbs, histogram, nextTokenDistribution } from './numbers';

describe('How it works: numbers', () => {
  const logits = Float32Array.from([2, 0, 1, -1, 3]);
  const order = Uint32Array.from([4, 0, 2, 1, 3]); // by logit, largest first

  it('softmax at a temperature sums to 1 and sharpens as the temperature falls', () => {
    const p1 = nextTokenDistribution(logits, order, 1, 0, 1);
    const z = [2, 0, 1, -1, 3].reduce((s, x) => s + Math.exp(x - 3), 0);
    [2, 0, 1, -1, 3].forEach((x, i) => expect(p1.probs[i]).toBeCloseTo(Math.exp(x - 3) / z, 12));
    expect(p1.kept).toBe(5);
    const cold = nextTokenDistribution(logits, order, 0.25, 0, 1);
    expect(cold.probs.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    expect(cold.probs[4]!).toBeGreaterThan(p1.probs[4]!);
    const greedy = nextTokenDistribution(logits, order, 0, 0, 1);
    expect(Array.from(greedy.probs)).toEqual([0, 0, 0, 0, 1]);
    expect(greedy.kept).toBe(1);
  });

  it('top-k keeps k tokens; top-p the fewest of them whose renormalised mass reaches p', () => {
    expect(nextTokenDistribution(logits, order, 1, 2, 1).kept).toBe(2);
    const p = nextTokenDistribution(logits, order, 1, 0, 1).probs;
    // p(4) ≈ 0.636, p(0) ≈ 0.234: 0.6 needs one token, 0.8 two.
    expect(nextTokenDistribution(logits, order, 1, 0, 0.6).kept).toBe(1);
    expect(nextTokenDistribution(logits, order, 1, 0, 0.8).kept).toBe(2);
    // Within the top 2 (mass p4 + p0), token 4 alone holds under 0.75 of it: top-p 0.75 keeps both.
    expect(p[4]! / (p[4]! + p[0]!)).toBeLessThan(0.75);
    const both = nextTokenDistribution(logits, order, 1, 2, 0.75);
    expect(both.kept).toBe(2);
    expect(both.keptMass).toBeCloseTo(p[4]! + p[0]!, 12);
  });

  it('downsampling keeps each bin’s largest |x| with its sign; a histogram counts every value once', () => {
    const x = Float32Array.from({ length: 768 }, (_, i) => (i === 300 ? -9 : i === 700 ? 5 : 0.01));
    const d = downsampleMaxAbs(x, 192);
    expect(d.length).toBe(192);
    expect(d[75]).toBe(-9);
    expect(d[175]).toBe(5);
    expect(Array.from(downsampleMaxAbs([1, -2, 3], 192))).toEqual([1, -2, 3]);
    const h = histogram(x, 4, -9, 9);
    expect(h.reduce((s, c) => s + c, 0)).toBe(768);
    expect(h).toEqual([1, 0, 766, 1]); // -9 | (empty) | the 0.01s | 5
  });
});
