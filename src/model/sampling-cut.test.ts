import { describe, expect, it } from 'vitest';
import { keptByCut } from './sampling-cut';

describe('the top-k / top-p cut', () => {
  // Probabilities of tokens 0..4 and their order, most likely first.
  const probs = [0.1, 0.4, 0.05, 0.3, 0.15];
  const order = [1, 3, 4, 0, 2];

  it('keeps everything when both are off, k tokens with top-k', () => {
    expect(keptByCut(probs, order, 0, 1)).toBe(5);
    expect(keptByCut(probs, order, 2, 1)).toBe(2);
    expect(keptByCut(probs, order, 9, 1)).toBe(5);
  });

  it('top-p keeps the fewest whose mass reaches p, at least one', () => {
    expect(keptByCut(probs, order, 0, 0.4)).toBe(1); // 0.4 alone reaches 0.4
    expect(keptByCut(probs, order, 0, 0.41)).toBe(2); // 0.7
    expect(keptByCut(probs, order, 0, 0.85)).toBe(3); // 0.85
    expect(keptByCut(probs, order, 0, 1e-9)).toBe(1);
  });

  it('top-p applies to the renormalised top-k', () => {
    // Top 2 hold 0.7; 0.4 / 0.7 ≈ 0.571: p = 0.57 keeps one, p = 0.6 keeps both.
    expect(keptByCut(probs, order, 2, 0.57)).toBe(1);
    expect(keptByCut(probs, order, 2, 0.6)).toBe(2);
  });
});
