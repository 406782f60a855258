/** The f32 -> f16 rounding and the packed 16-bit layout, against IEEE binary16 exhaustively. */
import { describe, expect, it } from 'vitest';
import { f16BitsToF32, f32ToF16Bits, packRows16, packedRowWords, unpackRows16 } from './packed16';
import { Rng, randomFloats } from '../../test/random';

describe('f32 -> f16 rounding', () => {
  it('maps every finite half to itself, rounds between neighbours to nearest and ties to even', () => {
    // For each pair of neighbouring positive halves (a, b): a itself, the midpoint (exact in f32)
    // goes to the even one, points just either side of the midpoint go to the nearer one.
    for (let h = 0; h < 0x7bff; h++) { // the last pair (65504, Inf) is checked below
      const a = f16BitsToF32(h);
      const b = f16BitsToF32(h + 1);
      const mid = (a + b) / 2;
      const nudge = (b - a) / 1024;
      const cases: [number, number][] = [
        [a, h],
        [-a, h | 0x8000],
        [mid, (h & 1) === 0 ? h : h + 1],
        [Math.fround(mid - nudge), h],
        [Math.fround(mid + nudge), h + 1],
      ];
      for (const [x, want] of cases) {
        const got = f32ToF16Bits(x);
        if (got !== want) throw new Error(`f32ToF16Bits(${x}) = 0x${got.toString(16)}, expected 0x${want.toString(16)} (between halves 0x${h.toString(16)} and 0x${(h + 1).toString(16)})`);
      }
    }
  });

  it('overflows to Inf, underflows to zero, keeps NaN', () => {
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65519.99)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // the tie above the largest half rounds to even: Inf
    expect(f32ToF16Bits(-1e6)).toBe(0xfc00);
    expect(f32ToF16Bits(Infinity)).toBe(0x7c00);
    expect(f32ToF16Bits(2 ** -25)).toBe(0); // half the smallest subnormal: ties to even, 0
    expect(f32ToF16Bits(2 ** -25 * 1.001)).toBe(1);
    expect(f32ToF16Bits(1e-30)).toBe(0);
    expect(f32ToF16Bits(-1e-30)).toBe(0x8000);
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN)))).toBe(true);
  });
});

describe('packed 16-bit rows', () => {
  for (const [rows, cols] of [[1, 1], [3, 17], [5, 8], [2, 63], [4, 65]] as const) {
    it(`round-trips a ${rows}x${cols} matrix through the padded layout`, () => {
      const src = randomFloats(new Rng(rows * 100 + cols), rows * cols, -3, 3);
      const words = packRows16(src, rows, cols);
      expect(words.length).toBe(rows * packedRowWords(cols));
      expect(packedRowWords(cols) % 4).toBe(0);
      const back = unpackRows16(words, rows, cols);
      for (let i = 0; i < src.length; i++) {
        const want = f16BitsToF32(f32ToF16Bits(src[i]!));
        if (back[i] !== want) throw new Error(`[${i}]: unpacked ${back[i]}, expected ${want}`);
      }
      // Padding halves are +0, and raw bits pack to the same words as the floats they encode.
      const ld = packedRowWords(cols);
      for (let r = 0; r < rows; r++) for (let c = cols; c < ld * 2; c++) expect((words[r * ld + (c >> 1)]! >>> ((c & 1) * 16)) & 0xffff).toBe(0);
      const bits = Uint16Array.from(src, (x) => f32ToF16Bits(x));
      expect(packRows16(bits, rows, cols, true)).toEqual(words);
    });
  }
});
