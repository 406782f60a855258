/** The overview's max-pooled thumbnails against pooling the whole map at once. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../test/random';
import { MaxPool } from './AttentionPaint';

/** Pools an N×N causal map (rows[i] over keys 0..i) into S×S blocks of cap/S, cap the power of two ≥ N (and ≥ S). */
function poolAtOnce(rows: Float32Array[], S: number): { grid: Float32Array; cap: number } {
  let cap = S;
  while (cap < rows.length) cap *= 2;
  const grid = new Float32Array(S * S).fill(-1);
  const b = cap / S;
  rows.forEach((w, i) => w.forEach((x, j) => (grid[Math.floor(i / b) * S + Math.floor(j / b)] = Math.max(grid[Math.floor(i / b) * S + Math.floor(j / b)]!, x))));
  return { grid, cap };
}

describe('MaxPool (attention overview thumbnails)', () => {
  for (const N of [1, 7, 64, 65, 200, 1024]) {
    it(`rows added one at a time give the whole map's pooling, N=${N}`, () => {
      const rng = new Rng(N);
      const rows = Array.from({ length: N }, (_, i) => Float32Array.from({ length: i + 1 }, () => rng.uniform(0, 1)));
      const pool = new MaxPool(16);
      rows.forEach((w, i) => pool.addRow(i, 0, w));
      const want = poolAtOnce(rows, 16);
      expect(pool.used(N)).toBe(Math.ceil((N * 16) / want.cap));
      expect(pool.cap).toBe(want.cap);
      expect(Array.from(pool.grid)).toEqual(Array.from(want.grid));
    });
  }

  it('keeps a one-cell-wide diagonal visible at 16 positions a pixel', () => {
    const pool = new MaxPool(64);
    for (let i = 1; i < 1024; i++) pool.addRow(i, i - 1, Float32Array.of(1, 0)); // all weight on the previous token
    for (let y = 0; y < 64; y++) expect(pool.grid[y * 64 + y], `pixel (${y}, ${y})`).toBe(1);
    expect(pool.grid[5 * 64 + 20]).toBe(-1); // far from the diagonal: nothing
  });

  it('a window that starts past 0 (cache rebuilt) lands on its own keys', () => {
    const pool = new MaxPool(4);
    pool.addRow(3, 2, Float32Array.of(0.25, 0.75)); // keys 2 and 3
    expect(Array.from(pool.grid.subarray(12, 16))).toEqual([-1, -1, 0.25, 0.75]);
  });
});
