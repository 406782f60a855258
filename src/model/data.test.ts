import { describe, expect, it } from 'vitest';
import { BatchSampler, checkCorpus, decodeCorpusBytes, splitTrainVal } from './data';

const badCorpus = (message: RegExp) => expect.objectContaining({ code: 'BAD_CORPUS', message: expect.stringMatching(message) });

describe('checkCorpus', () => {
  it('accepts ordinary text, including non-ASCII and a few stray controls', () => {
    expect(() => checkCorpus('First Citizen:\nBefore we proceed any further, hear me speak.\n')).not.toThrow();
    expect(() => checkCorpus('Grüße, 日本語, emoji 🙂\tand tabs\r\n')).not.toThrow();
    expect(() => checkCorpus('a log line \x1b[31mred\x1b[0m and more plain text here')).not.toThrow();
  });

  it('rejects empty and whitespace-only text', () => {
    expect(() => checkCorpus('')).toThrow(badCorpus(/^The file is empty/));
    expect(() => checkCorpus(' \n\t\r\n  ')).toThrow(badCorpus(/^The file is empty/));
  });

  it('rejects binary content: NUL bytes, or many control / replacement characters', () => {
    expect(() => checkCorpus('PK\x03\x04\0\0text')).toThrow(badCorpus(/binary.*NUL/));
    const junk = 'ab\x01\x02\uFFFD\uFFFDcd\x7f\x90'.repeat(100);
    expect(() => checkCorpus(junk)).toThrow(badCorpus(/binary.*control characters/));
    // Only the first 64 KiB is scanned: a NUL far into a large text is not looked for.
    expect(() => checkCorpus('x'.repeat(70 * 1024) + '\0')).not.toThrow();
  });

  it('rejects text over the size limit in UTF-8 bytes, saying both sizes', () => {
    expect(() => checkCorpus('a'.repeat(2_500_000), { maxBytes: 2_000_000 })).toThrow(badCorpus(/too large: 2\.5 MB, the limit is 2 MB/));
    // 'é' is 2 bytes in UTF-8: 600k characters are 1.2 MB.
    expect(() => checkCorpus('é'.repeat(600_000), { maxBytes: 1_000_000 })).toThrow(badCorpus(/too large: 1\.2 MB, the limit is 1 MB/));
    expect(() => checkCorpus('é'.repeat(500_000), { maxBytes: 1_000_000 })).not.toThrow();
    // Just over the limit never prints as equal to it.
    expect(() => checkCorpus('a'.repeat(1_000_001), { maxBytes: 1_000_000 })).toThrow(badCorpus(/too large: 1\.000001 MB, the limit is 1 MB/));
  });
});

describe('decodeCorpusBytes', () => {
  it('decodes UTF-8 and strips the BOM', () => {
    const enc = new TextEncoder().encode('héllo 🙂');
    expect(decodeCorpusBytes(enc)).toBe('héllo 🙂');
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...enc]);
    expect(decodeCorpusBytes(withBom)).toBe('héllo 🙂');
  });

  it('rejects bytes that are not UTF-8, and says when it is UTF-16', () => {
    expect(() => decodeCorpusBytes(new Uint8Array([0x68, 0xe9, 0x6c]))).toThrow(badCorpus(/not UTF-8 text/)); // latin-1 'hél'
    expect(() => decodeCorpusBytes(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0xff]))).toThrow(badCorpus(/not UTF-8 text/));
    expect(() => decodeCorpusBytes(new Uint8Array([0xff, 0xfe, 0x68, 0x00]))).toThrow(badCorpus(/UTF-16/));
  });
});

describe('splitTrainVal', () => {
  it('takes the first 90% as train and the last 10% as val', () => {
    const t = Uint32Array.from({ length: 1003 }, (_, i) => i);
    const { train, val } = splitTrainVal(t);
    expect(train.length).toBe(902); // int(1003 * 0.9)
    expect(val.length).toBe(101);
    expect(train[0]).toBe(0);
    expect(train[901]).toBe(901);
    expect(val[0]).toBe(902);
    expect(val[100]).toBe(1002);
  });

  it('honours another fraction and rejects nonsense', () => {
    const t = new Uint32Array(10);
    expect(splitTrainVal(t, 0.5).train.length).toBe(5);
    expect(() => splitTrainVal(t, 1)).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
    expect(() => splitTrainVal(t, 0)).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
  });
});

describe('BatchSampler', () => {
  const data = Uint32Array.from({ length: 200 }, (_, i) => i * 3 + 1); // distinct values: position is recoverable

  it('returns (B, T) windows with y = x shifted by one, offsets in [0, len - T - 1]', () => {
    const B = 4;
    const T = 8;
    const s = new BatchSampler(data, B, T, 1);
    for (let k = 0; k < 200; k++) {
      const { x, y } = s.next();
      expect(x.length).toBe(B * T);
      expect(y.length).toBe(B * T);
      for (let b = 0; b < B; b++) {
        const i = (x[b * T]! - 1) / 3;
        expect(i >= 0 && i <= data.length - T - 1).toBe(true);
        for (let t = 0; t < T; t++) {
          expect(x[b * T + t]).toBe(data[i + t]);
          expect(y[b * T + t]).toBe(data[i + t + 1]);
        }
      }
    }
  });

  it('reaches both ends of the offset range', () => {
    const T = 5;
    const small = Uint32Array.from({ length: T + 4 }, (_, i) => i); // offsets 0..3
    const s = new BatchSampler(small, 1, T, 3);
    const seen = new Set<number>();
    for (let k = 0; k < 200; k++) seen.add(s.next().x[0]!);
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
  });

  it('same seed, same batches; another seed, other batches', () => {
    const a = new BatchSampler(data, 3, 10, 42);
    const b = new BatchSampler(data, 3, 10, 42);
    const c = new BatchSampler(data, 3, 10, 43);
    const ra = Array.from({ length: 5 }, () => Array.from(a.next().x));
    const rb = Array.from({ length: 5 }, () => Array.from(b.next().x));
    const rc = Array.from({ length: 5 }, () => Array.from(c.next().x));
    expect(ra).toEqual(rb);
    expect(ra).not.toEqual(rc);
  });

  it('rejects data shorter than T + 2 tokens, explaining the minimum', () => {
    expect(() => new BatchSampler(new Uint32Array(9), 2, 8, 0, 'validation split')).toThrow(
      badCorpus(/validation split is too short: it has 9 tokens.*at least 10/),
    );
    expect(() => new BatchSampler(new Uint32Array(10), 2, 8, 0)).not.toThrow();
    expect(() => new BatchSampler(new Uint32Array(10), 0, 8, 0)).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
  });
});
