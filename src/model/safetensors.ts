/**
 * The .safetensors format: an 8-byte little-endian header length N, N bytes of JSON header
 * ({ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { string: string } }),
 * then the data section; offsets are relative to the start of the data section.
 *
 * The reader trusts nothing in the file: every length and offset is checked before it is used,
 * and a bad file is reported in plain words (EngineError 'BAD_CHECKPOINT').
 */
import { EngineError } from '../errors';

export type Dtype = 'F32' | 'F16' | 'BF16';

export interface SafeTensor {
  dtype: Dtype;
  shape: number[];
  /** Converted to f32; a copy, never a view of the file's bytes. */
  data: Float32Array;
}

export interface ReadOptions {
  /** Used in error messages. */
  fileName?: string;
  /**
   * Tensors to leave out of the result. They are still checked for consistent offsets, but may
   * have any standard dtype (old GPT-2 checkpoints store their attention masks as U8 or BOOL).
   */
  skip?: (name: string) => boolean;
}

/** Bytes per element of every dtype the safetensors format defines (so skipped tensors can be checked). */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};
const FLOAT_DTYPES: readonly string[] = ['F32', 'F16', 'BF16'];

/** The reference implementation refuses headers over 100 MB; so do we (a corrupt length is usually huge). */
const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(msg: string): never {
  throw new EngineError('BAD_CHECKPOINT', msg);
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** One tensor as the header describes it; offsets are relative to the data section. */
export interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * The header's length from the file's first 8 bytes. `fileBytes` is the whole file's size when
 * known (a file; a stream once it has ended); without it only the 100 MB cap is checked.
 */
export function headerLength(first8: Uint8Array, file: string, fileBytes?: number): number {
  if (fileBytes !== undefined && fileBytes < 8) fail(`${file} is too short to be a safetensors file (${fileBytes} bytes; even the header length needs 8).`);
  const dv = new DataView(first8.buffer, first8.byteOffset, 8);
  const headerLen = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (fileBytes !== undefined && headerLen > fileBytes - 8) {
    fail(`${file} is truncated or not a safetensors file: its header claims ${headerLen} bytes but only ${fileBytes - 8} bytes follow the length field.`);
  }
  if (headerLen > MAX_HEADER_BYTES) fail(`${file} has a ${headerLen}-byte header, more than the 100 MB a safetensors header may have.`);
  return headerLen;
}

/**
 * Parses and checks the JSON header (the bytes after the length field). `dataBytes`, the size of
 * the data section when known, refuses tensors past the end of the file (a truncated file);
 * checkTruncation makes the same check later, once a streamed file has ended.
 */
export function parseHeader(json: Uint8Array, file: string, dataBytes?: number): HeaderEntry[] {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    fail(`${file} has a damaged header (not valid JSON: ${(e as Error).message}).`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail(`${file} has a damaged header (it is not a JSON object).`);

  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    const where = `${file}: tensor ${name}`;
    if (typeof info !== 'object' || info === null) fail(`${where} has no dtype/shape/data_offsets description.`);
    const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
    if (typeof dtype !== 'string' || DTYPE_BYTES[dtype] === undefined) fail(`${where} has an unknown dtype ${JSON.stringify(dtype)}.`);
    if (!Array.isArray(shape) || !shape.every(isNonNegInt)) fail(`${where} has an invalid shape ${JSON.stringify(shape)} (expected a list of non-negative whole numbers).`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt)) {
      fail(`${where} has invalid data_offsets ${JSON.stringify(offsets)} (expected [begin, end]).`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(`${where} has data_offsets [${begin}, ${end}] that end before they begin.`);
    if (dataBytes !== undefined) checkTruncation([{ name, begin, end }], file, dataBytes);
    const expected = shape.reduce((a: number, b: number) => a * b, 1) * DTYPE_BYTES[dtype]!;
    if (end - begin !== expected) {
      fail(`${where} has shape [${shape.join(', ')}] of ${dtype}, which needs ${expected} bytes, but its data_offsets span ${end - begin} bytes.`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }

  // Two tensors sharing bytes means a corrupt (or maliciously crafted) file. Empty tensors own no bytes.
  const placed = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < placed.length; i++) {
    const prev = placed[i - 1]!;
    const cur = placed[i]!;
    if (cur.begin < prev.end) {
      fail(`${file} is damaged: tensors ${prev.name} (bytes ${prev.begin}..${prev.end}) and ${cur.name} (bytes ${cur.begin}..${cur.end}) overlap.`);
    }
  }
  return entries;
}

/** Refuses the first entry (in header order) that ends past a data section of `dataBytes`. */
export function checkTruncation(entries: readonly Pick<HeaderEntry, 'name' | 'begin' | 'end'>[], file: string, dataBytes: number): void {
  for (const { name, begin, end } of entries) {
    if (end > dataBytes) fail(`${file} is truncated: tensor ${name} needs bytes ${begin}..${end} but the file has only ${dataBytes} data bytes.`);
  }
}

/** Whether a tensor of this dtype can be loaded as weights (converted to f32 by toF32). */
function isFloatDtype(dtype: string): dtype is Dtype {
  return FLOAT_DTYPES.includes(dtype);
}

/** Parses and checks the header of a whole file; returns the entries and where the data section starts. */
function readHeader(bytes: Uint8Array, file: string): { entries: HeaderEntry[]; dataStart: number } {
  const headerLen = headerLength(bytes.subarray(0, 8), file, bytes.length);
  const dataStart = 8 + headerLen;
  return { entries: parseHeader(bytes.subarray(8, dataStart), file, bytes.length - dataStart), dataStart };
}

/** IEEE half → float: exponent 0 is subnormal (no implicit 1), exponent 31 is Inf/NaN. */
function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Every half as a float, built on first use: a lookup is ~50x faster than the arithmetic on a 100M-element checkpoint. */
let f16Table: Float32Array | undefined;

/**
 * One tensor's little-endian bytes as float32: a copy, or written into `into` (as many floats as
 * the tensor has). The checkpoint reader (checkpoint-reader.ts) converts tensor by tensor
 * straight into the parameter buffer with it.
 */
export function toF32(raw: Uint8Array, dtype: Dtype, into?: Float32Array): Float32Array {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = raw.length / (dtype === 'F32' ? 4 : 2);
  if (into && into.length !== n) throw new Error(`toF32: ${n} floats do not fit an output of ${into.length}`);
  if (dtype === 'F32') {
    if (LITTLE_ENDIAN && !into) return new Float32Array(raw.slice().buffer); // slice(): an aligned copy
    const out = into ?? new Float32Array(n);
    for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
    return out;
  }
  const out = into ?? new Float32Array(n);
  if (dtype === 'F16') {
    if (!f16Table) {
      f16Table = new Float32Array(65536);
      for (let h = 0; h < 65536; h++) f16Table[h] = f16ToF32(h);
    }
    const table = f16Table;
    if (LITTLE_ENDIAN) {
      const halves = raw.byteOffset % 2 === 0 ? new Uint16Array(raw.buffer, raw.byteOffset, out.length) : new Uint16Array(raw.slice().buffer);
      for (let i = 0; i < out.length; i++) out[i] = table[halves[i]!]!;
    } else {
      for (let i = 0; i < out.length; i++) out[i] = table[dv.getUint16(i * 2, true)]!;
    }
  } else {
    // bfloat16 is the top half of a float32: shift it back into place.
    const bits = new Uint32Array(out.buffer, out.byteOffset, out.length); // `into` may be a view into the parameters
    for (let i = 0; i < out.length; i++) bits[i] = dv.getUint16(i * 2, true) << 16;
  }
  return out;
}

/** The entry's dtype when it is a float one; refuses the rest (weights are F32, F16 or BF16). */
export function floatDtype(e: Pick<HeaderEntry, 'name' | 'dtype'>, file: string): Dtype {
  if (!isFloatDtype(e.dtype)) fail(`${file}: tensor ${e.name} has dtype ${e.dtype}; only F32, F16 and BF16 tensors can be loaded.`);
  return e.dtype;
}

/** Reads a .safetensors file; see ReadOptions. Ignores "__metadata__". */
export function readSafetensors(bytes: Uint8Array, options: ReadOptions = {}): Map<string, SafeTensor> {
  const file = options.fileName ?? 'model.safetensors';
  const { entries, dataStart } = readHeader(bytes, file);
  const out = new Map<string, SafeTensor>();
  for (const e of entries) {
    if (options.skip?.(e.name)) continue;
    const dtype = floatDtype(e, file);
    out.set(e.name, { dtype, shape: e.shape, data: toF32(bytes.subarray(dataStart + e.begin, dataStart + e.end), dtype) });
  }
  return out;
}

/**
 * Writes F32 tensors in the given order, optionally with "__metadata__" (string values; Hugging
 * Face's loader wants { format: "pt" }). The header is padded with spaces to a multiple of 8
 * bytes, as the reference implementation does, so the data section starts 8-byte aligned.
 */
export function writeSafetensors(tensors: { name: string; shape: number[]; data: Float32Array }[], metadata?: Record<string, string>): Uint8Array {
  // No prototype: a tensor named "__proto__" must become a key, not replace the prototype.
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || Object.prototype.hasOwnProperty.call(header, t.name)) {
      throw new EngineError('BAD_CHECKPOINT', `Cannot write tensor ${t.name}: the name is used twice or reserved.`);
    }
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) {
      throw new EngineError('BAD_CHECKPOINT', `Cannot write tensor ${t.name}: shape [${t.shape.join(', ')}] needs ${size} floats but it has ${t.data.length}.`);
    }
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + size * 4] };
    offset += size * 4;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, headerLen % 2 ** 32, true);
  dv.setUint32(4, Math.floor(headerLen / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const t of tensors) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    } else {
      for (let i = 0; i < t.data.length; i++) dv.setFloat32(at + i * 4, t.data[i]!, true);
    }
    at += t.data.byteLength;
  }
  return out;
}
