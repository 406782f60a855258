/**
 * Property-based tests of the safetensors reader against files from strangers: random bytes,
 * random headers, and valid files with bytes flipped, cut or inserted. The property is always the
 * same: the reader returns tensors whose data matches their shape, or throws EngineError
 * 'BAD_CHECKPOINT' — never another exception, and never slowly (each input is timed).
 * Seeded, so a failure replays; fast-check prints the smallest failing input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors';
import { readSafetensors, writeSafetensors } from './safetensors';

/** Longest any one input may take; the reader is linear in the file, and these files are small. */
const MAX_MS_PER_INPUT = 2000;
const SEED = 20261201;

/** Reads `bytes`; checks the outcome is tensors consistent with their shapes or a coded refusal. */
function readsOrRefuses(bytes: Uint8Array): void {
  const t0 = performance.now();
  try {
    const out = readSafetensors(bytes);
    for (const [name, t] of out) {
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (t.data.length !== size) throw new Error(`tensor ${name}: shape [${t.shape.join(', ')}] but ${t.data.length} values`);
    }
  } catch (e) {
    if (!(e instanceof EngineError) || e.code !== 'BAD_CHECKPOINT') {
      throw new Error(`expected EngineError BAD_CHECKPOINT, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
  }
  const ms = performance.now() - t0;
  if (ms > MAX_MS_PER_INPUT) throw new Error(`took ${ms.toFixed(0)} ms on a ${bytes.length}-byte file`);
}

/** A file with this header text (or bytes), this length field, and `data` after it. */
function fileOf(header: string | Uint8Array, data: Uint8Array, lengthField?: bigint): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const valid = writeSafetensors(
  [
    { name: 'wte.weight', shape: [5, 3], data: Float32Array.from({ length: 15 }, (_, i) => i / 7) },
    { name: 'ln_f.bias', shape: [3], data: Float32Array.of(1, -2, 3) },
    { name: 'scalar', shape: [], data: Float32Array.of(0.5) },
  ],
  { format: 'pt' },
);

/** A mutation of a valid file: bytes overwritten, the file cut short, or bytes inserted. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, muts: Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of muts) {
    const at = out.length ? m.at % out.length : 0;
    if (m.kind === 'set') out.set(m.bytes.subarray(0, out.length - at), at);
    else if (m.kind === 'cut') out = out.slice(0, at);
    else {
      const next = new Uint8Array(out.length + m.bytes.length);
      next.set(out.subarray(0, at));
      next.set(m.bytes, at);
      next.set(out.subarray(at), at + m.bytes.length);
      out = next;
    }
  }
  return out;
}

/** Numbers a hostile header would use: huge, negative, fractional, unsafe, non-finite (as JSON allows). */
const hostileNumber = fc.oneof(
  fc.nat({ max: 64 }),
  fc.integer(),
  fc.constantFrom(-1, 0.5, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e300, -0, 1e21),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const dtype = fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'U8', 'BOOL', 'F64', 'I64', 'f32', ''), fc.jsonValue());
const tensorInfo = fc.oneof(
  { weight: 4, arbitrary: fc.record({ dtype, shape: fc.array(hostileNumber, { maxLength: 4 }), data_offsets: fc.array(hostileNumber, { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.jsonValue() },
);
const header = fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__metadata__', '__proto__', 'constructor', 'toString')), tensorInfo, { maxKeys: 6 });

describe('readSafetensors under fuzzing (fast-check)', () => {
  it('random bytes: tensors or BAD_CHECKPOINT', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => readsOrRefuses(b)), { numRuns: 3000, seed: SEED });
  });

  it('any 8-byte length field (up to 2^64 - 1) before random bytes', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.uint8Array({ maxLength: 128 }), (len, rest) => readsOrRefuses(fileOf(rest, new Uint8Array(0), len))),
      { numRuns: 3000, seed: SEED },
    );
  });

  it('random JSON headers with hostile dtypes, shapes and offsets, and random data lengths', () => {
    fc.assert(
      fc.property(header, fc.nat({ max: 256 }), (h, dataLen) => readsOrRefuses(fileOf(JSON.stringify(h), new Uint8Array(dataLen).fill(0x3f)))),
      { numRuns: 4000, seed: SEED },
    );
  });

  it('header text that is not JSON or not UTF-8', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 64 })), fc.nat({ max: 64 }), (h, n) => readsOrRefuses(fileOf(h, new Uint8Array(n)))), {
      numRuns: 2000,
      seed: SEED,
    });
  });

  it('a valid file with bytes overwritten, cut or inserted', () => {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => readsOrRefuses(mutate(valid, muts))), { numRuns: 5000, seed: SEED });
  });
});

describe('hostile safetensors files are refused at once, before anything is allocated', () => {
  /** Runs `fn`, expecting BAD_CHECKPOINT matching `says`, within `ms` (a refusal from the header alone). */
  function refusedFast(fn: () => unknown, says: RegExp, ms = 1000): void {
    const t0 = performance.now();
    expect(fn).toThrow(expect.objectContaining({ code: 'BAD_CHECKPOINT', message: expect.stringMatching(says) }));
    expect(performance.now() - t0).toBeLessThan(ms);
  }

  it('a header length claiming petabytes', () => {
    refusedFast(() => readSafetensors(fileOf('{}', new Uint8Array(0), 2n ** 53n)), /truncated or not a safetensors file: its header claims 9007199254740992 bytes/);
    refusedFast(() => readSafetensors(fileOf('{}', new Uint8Array(0), 2n ** 64n - 1n)), /truncated or not a safetensors file/);
  });

  it('an 8-byte length larger than the file', () => {
    refusedFast(() => readSafetensors(fileOf('{}', new Uint8Array(0), 3n)), /its header claims 3 bytes but only 2 bytes follow/);
  });

  it('a tensor whose shape claims petabytes of data', () => {
    const h = JSON.stringify({ w: { dtype: 'F32', shape: [2 ** 25, 2 ** 25], data_offsets: [0, 4] } });
    refusedFast(() => readSafetensors(fileOf(h, new Uint8Array(4))), /shape \[33554432, 33554432\] of F32, which needs 4503599627370496 bytes, but its data_offsets span 4 bytes/);
    const far = JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: [2 ** 50, 2 ** 50 + 4] } });
    refusedFast(() => readSafetensors(fileOf(far, new Uint8Array(4))), /truncated: tensor w needs bytes 1125899906842624\.\.1125899906842628 but the file has only 4 data bytes/);
  });

  it('a 100 MB JSON header', () => {
    const len = 100_000_001;
    const file = new Uint8Array(8 + len).fill(0x20);
    new DataView(file.buffer).setBigUint64(0, BigInt(len), true);
    refusedFast(() => readSafetensors(file), /100000001-byte header, more than the 100 MB a safetensors header may have/);
  });
});
