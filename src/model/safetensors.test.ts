import { describe, expect, it } from 'vitest';
import { randomFloats, Rng } from '../../test/random';
import { EngineError } from '../errors';
import { readSafetensors, writeSafetensors } from './safetensors';

/** A safetensors file from a header object and raw data bytes, with no checks (to build bad files). */
function rawFile(header: unknown, data: Uint8Array | number = 0, headerLen?: number): Uint8Array {
  const json = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const bytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + bytes.length);
  new DataView(out.buffer).setUint32(0, headerLen ?? json.length, true);
  out.set(json, 8);
  out.set(bytes, 8 + json.length);
  return out;
}

function u16Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  values.forEach((v, i) => new DataView(out.buffer).setUint16(i * 2, v, true));
  return out;
}

function readError(bytes: Uint8Array): EngineError {
  try {
    readSafetensors(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe('BAD_CHECKPOINT');
    return e as EngineError;
  }
  throw new Error('expected the file to be refused');
}

const rng = new Rng(7);
const a = { name: 'h.0.attn.c_attn.weight', shape: [4, 12], data: randomFloats(rng, 48) };
const b = { name: 'h.0.attn.c_attn.bias', shape: [12], data: randomFloats(rng, 12) };
const scalar = { name: 'scalar', shape: [], data: Float32Array.of(3.5) };
const empty = { name: 'empty', shape: [0, 3], data: new Float32Array(0) };

describe('writeSafetensors / readSafetensors', () => {
  it('round-trips F32 tensors with shapes, including scalars and empty tensors', () => {
    const file = writeSafetensors([a, b, scalar, empty], { format: 'pt' });
    const back = readSafetensors(file);
    expect([...back.keys()]).toEqual(['h.0.attn.c_attn.weight', 'h.0.attn.c_attn.bias', 'scalar', 'empty']);
    expect(back.get(a.name)).toEqual({ dtype: 'F32', shape: [4, 12], data: a.data });
    expect(back.get(b.name)!.data).toEqual(b.data);
    expect(back.get('scalar')).toEqual({ dtype: 'F32', shape: [], data: Float32Array.of(3.5) });
    expect(back.get('empty')!.shape).toEqual([0, 3]);
  });

  it('pads the header with spaces to a multiple of 8 and writes metadata', () => {
    const file = writeSafetensors([a], { format: 'pt' });
    const dv = new DataView(file.buffer);
    const n = dv.getUint32(0, true);
    expect(dv.getUint32(4, true)).toBe(0);
    expect(n % 8).toBe(0);
    const header = new TextDecoder().decode(file.subarray(8, 8 + n));
    expect(JSON.parse(header)).toEqual({
      __metadata__: { format: 'pt' },
      [a.name]: { dtype: 'F32', shape: [4, 12], data_offsets: [0, 192] },
    });
    expect(header.trimEnd().endsWith('}')).toBe(true);
    expect(file.length).toBe(8 + n + 192);
  });

  it('returns copies and reads files that start at an unaligned offset', () => {
    const file = writeSafetensors([a]);
    const shifted = new Uint8Array(file.length + 1).subarray(1);
    shifted.set(file);
    const t = readSafetensors(shifted).get(a.name)!;
    expect(t.data).toEqual(a.data);
    shifted.fill(0);
    expect(t.data).toEqual(a.data);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => writeSafetensors([{ name: 'x', shape: [2, 2], data: new Float32Array(3) }])).toThrow(/shape \[2, 2\] needs 4 floats but it has 3/);
    expect(() => writeSafetensors([a, a])).toThrow(/used twice/);
  });
});

describe('F16 and BF16', () => {
  it('converts F16 exactly, including subnormals, infinities and NaN', () => {
    const bits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0xfc00, 0x8000, 0x3555, 0x7e00];
    const file = rawFile({ h: { dtype: 'F16', shape: [10], data_offsets: [0, 20] } }, u16Bytes(bits));
    const t = readSafetensors(file).get('h')!;
    expect(t.dtype).toBe('F16');
    expect([...t.data.subarray(0, 9)]).toEqual([1, -2, 65504, 2 ** -24, 2 ** -14, Infinity, -Infinity, -0, 0.333251953125]);
    expect(t.data[9]).toBeNaN();
  });

  it('converts BF16 (the top half of a float32)', () => {
    const file = rawFile({ w: { dtype: 'BF16', shape: [2, 2], data_offsets: [0, 8] } }, u16Bytes([0x3f80, 0xc040, 0x4049, 0x0000]));
    const t = readSafetensors(file).get('w')!;
    expect(t.dtype).toBe('BF16');
    expect(t.shape).toEqual([2, 2]);
    expect([...t.data]).toEqual([1, -3, 3.140625, 0]);
  });
});

describe('corrupt files are refused in plain words', () => {
  const good = writeSafetensors([a, b]);

  it('truncated data', () => {
    const cut = good.subarray(0, good.length - 20); // 240 data bytes: a's 192, then b's 48
    expect(readError(cut).message).toBe(
      'model.safetensors is truncated: tensor h.0.attn.c_attn.bias needs bytes 192..240 but the file has only 220 data bytes.',
    );
  });

  it('too short for the length field, or a header length past the end', () => {
    expect(readError(new Uint8Array(5)).message).toMatch(/too short to be a safetensors file \(5 bytes/);
    expect(readError(good.subarray(0, 20)).message).toMatch(/header claims \d+ bytes but only 12 bytes follow/);
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(4, 1, true); // high word: 4 GiB + n
    expect(readError(huge).message).toMatch(/truncated or not a safetensors file: its header claims 4294967\d+ bytes/);
  });

  it('a header that is not JSON, or not an object', () => {
    expect(readError(rawFile('{"a": [1, 2', 0)).message).toMatch(/damaged header \(not valid JSON/);
    expect(readError(rawFile('[1, 2]', 0)).message).toMatch(/not a JSON object/);
    expect(readError(rawFile(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 0)).message).toMatch(/damaged header/);
  });

  it('bad dtypes: unknown, or a real dtype that cannot be loaded', () => {
    expect(readError(rawFile({ x: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, 4)).message).toMatch(/tensor x has an unknown dtype "F33"/);
    const ints = rawFile({ x: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, 16);
    expect(readError(ints).message).toBe('model.safetensors: tensor x has dtype I64; only F32, F16 and BF16 tensors can be loaded.');
    // Skipped tensors (attention masks) may have any standard dtype, but are still checked.
    expect(readSafetensors(ints, { skip: (n) => n === 'x' }).size).toBe(0);
    expect(() => readSafetensors(rawFile({ x: { dtype: 'U8', shape: [2], data_offsets: [0, 3] } }, 3), { skip: () => true })).toThrow(/needs 2 bytes/);
  });

  it('bad shapes and offsets', () => {
    const t = (info: object, data = 64) => readError(rawFile({ x: info }, data)).message;
    expect(t({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] })).toMatch(/invalid shape \[-1\]/);
    expect(t({ dtype: 'F32', shape: [1.5], data_offsets: [0, 4] })).toMatch(/invalid shape/);
    expect(t({ dtype: 'F32', shape: 4, data_offsets: [0, 16] })).toMatch(/invalid shape 4/);
    expect(t({ dtype: 'F32', shape: [4] })).toMatch(/invalid data_offsets undefined/);
    expect(t({ dtype: 'F32', shape: [4], data_offsets: [0, 16, 32] })).toMatch(/invalid data_offsets/);
    expect(t({ dtype: 'F32', shape: [4], data_offsets: [16, 0] })).toMatch(/end before they begin/);
    expect(t({ dtype: 'F32', shape: [4], data_offsets: [0, 12] })).toMatch(/shape \[4\] of F32, which needs 16 bytes, but its data_offsets span 12 bytes/);
    expect(t({ dtype: 'F32', shape: [4], data_offsets: [60, 76] })).toMatch(/tensor x needs bytes 60..76 but the file has only 64 data bytes/);
    expect(readError(rawFile({ x: 5 }, 0)).message).toMatch(/no dtype\/shape\/data_offsets/);
  });

  it('overlapping tensors', () => {
    const header = {
      p: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      q: { dtype: 'F32', shape: [4], data_offsets: [8, 24] },
    };
    expect(readError(rawFile(header, 24)).message).toBe(
      'model.safetensors is damaged: tensors p (bytes 0..16) and q (bytes 8..24) overlap.',
    );
  });

  it('names the file it was given', () => {
    expect(() => readSafetensors(new Uint8Array(3), { fileName: 'other.safetensors' })).toThrow(/^other\.safetensors is too short/);
  });
});
