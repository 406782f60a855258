/**
 * 16-bit weight storage for the decoder's kernels (matvec16, embed_decode16): IEEE half floats,
 * two to a u32 (element c in the low half when c is even, as `unpack2x16float(w).x` and a
 * little-endian `array<f16>` both read it), rows padded to whole 16-byte groups of 8 halves so a
 * thread reads 8 weights with one vec4<u32> load and never straddles two rows.
 *
 * Layout of a (rows, cols) matrix: row r starts at word r·ldWords, ldWords = ceil(cols / 8)·4; the
 * padding halves are +0. This is the one place the layout is defined: the CPU packer below, the GPU
 * packer (pack16.wgsl) and the kernels all follow it.
 */

/** u32 words per packed row of `cols` halves (a multiple of 4: whole vec4<u32>s). */
export function packedRowWords(cols: number): number {
  return Math.ceil(cols / 8) * 4;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The binary16 bits of `x` rounded to nearest, ties to even (IEEE 754's default, what
 * Math.f16round does in newer engines): overflow to ±Inf, gradual underflow to subnormals, NaN kept.
 */
export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf, NaN
  const e = exp - 112; // the f16 biased exponent (127 - 15 = 112)
  if (e >= 0x1f) return sign | 0x7c00; // beyond 65520 rounds to Inf
  // value = m24 · 2^(exp-150) with m24 the 24-bit significand; in units of the f16 result's last
  // place that is m24 >> shift: shift 13 for normals, 14 - e (>= 14) for subnormals.
  const m24 = exp === 0 ? mant : mant | 0x800000;
  const shift = e > 0 ? 13 : 14 - e;
  if (shift > 24) return sign; // below half the smallest subnormal (2^-25): +-0
  let k = m24 >>> shift;
  const rem = m24 & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rem > half || (rem === half && (k & 1) === 1)) k++;
  // Normals: the exponent goes above the 10 mantissa bits; a carry out of the mantissa bumps the
  // exponent (up to Inf at 0x7c00), a subnormal's carry becomes the smallest normal, both exact.
  return sign | (e > 0 ? (e << 10) + k - 0x400 : k);
}

/** The float value of binary16 bits. */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** x rounded to the nearest half float (ties to even), as a number. */
export function roundF16(x: number): number {
  return f16BitsToF32(f32ToF16Bits(x));
}

/** Every element of `a` rounded to half precision (the weights a 16-bit kernel actually sees). */
export function roundArrayF16<T extends Float32Array | Float64Array>(a: T): T {
  const out = a.slice() as T;
  for (let i = 0; i < out.length; i++) out[i] = roundF16(out[i]!);
  return out;
}

/**
 * Packs a row-major (rows, cols) matrix, given as floats (rounded here) or as raw binary16 bits
 * (an F16 checkpoint's tensor, copied as is, never widened), into the layout above.
 */
export function packRows16(src: ArrayLike<number>, rows: number, cols: number, bits = false): Uint32Array {
  if (src.length < rows * cols) throw new Error(`packRows16: ${src.length} values for a ${rows}x${cols} matrix`);
  const ld = packedRowWords(cols);
  const out = new Uint32Array(rows * ld);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = src[r * cols + c]!;
      const h = bits ? v & 0xffff : f32ToF16Bits(v);
      out[r * ld + (c >> 1)]! |= (c & 1) === 0 ? h : h << 16;
    }
  }
  return out;
}

/** Unpacks the layout above back to floats (rows, cols): what the kernels read. */
export function unpackRows16(words: Uint32Array, rows: number, cols: number): Float32Array {
  const ld = packedRowWords(cols);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const w = words[r * ld + (c >> 1)]!;
      out[r * cols + c] = f16BitsToF32((c & 1) === 0 ? w & 0xffff : w >>> 16);
    }
  }
  return out;
}
