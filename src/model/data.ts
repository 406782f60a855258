/**
 * Corpus handling: validate and decode the user's text, split it into train/val like nanoGPT's
 * shakespeare_char prepare.py, and draw seeded batches like nanoGPT's get_batch.
 */
import { EngineError } from '../errors';
import { MAX_CORPUS_BYTES } from './limits';
import { SeededRandom } from './random';

/** Decimal megabytes, as file managers and the error message show them. */
const MB = 1_000_000;
/** Only the head is scanned for binary content: enough to recognise any binary format, cheap on 100 MB. */
const SNIFF_CHARS = 64 * 1024;
/** Share of control / U+FFFD characters above which the text is not plain text. */
const BINARY_SHARE = 0.1;

/**
 * Validates a corpus before anything else touches it; throws EngineError('BAD_CORPUS') with a
 * message saying what is wrong and what to do.
 */
export function checkCorpus(text: string, opts: { maxBytes?: number } = {}): void {
  const maxBytes = opts.maxBytes ?? MAX_CORPUS_BYTES;
  if (text.trim().length === 0) {
    throw new EngineError('BAD_CORPUS', 'The file is empty (or contains only whitespace). Choose a text file with some content to train on.');
  }

  const head = text.length > SNIFF_CHARS ? text.slice(0, SNIFF_CHARS) : text;
  if (head.includes('\0')) {
    throw new EngineError('BAD_CORPUS', 'This looks like a binary file, not text: it contains NUL bytes. Choose a plain-text file (.txt).');
  }
  let odd = 0;
  for (let i = 0; i < head.length; i++) if (isOddChar(head.charCodeAt(i))) odd++;
  if (odd / head.length > BINARY_SHARE) {
    const pct = Math.round((100 * odd) / head.length);
    throw new EngineError(
      'BAD_CORPUS',
      `This looks like a binary file, not text: ${pct}% of its first characters are control characters or ` +
        'U+FFFD replacement characters (bytes that are not valid text). Choose a plain-text file (.txt).',
    );
  }

  // A string never takes more than 3 UTF-8 bytes per UTF-16 code unit: skip the count when it cannot matter.
  if (text.length * 3 > maxBytes) {
    const bytes = utf8Length(text);
    if (bytes > maxBytes) {
      const [x, y] = formatPair(bytes / MB, maxBytes / MB);
      throw new EngineError('BAD_CORPUS', `The file is too large: ${x} MB, the limit is ${y} MB. Use a smaller excerpt of it.`);
    }
  }
}

/**
 * Decodes file bytes as UTF-8 (fatal: invalid bytes are an error, not U+FFFD) and strips a BOM.
 * The caller should compare bytes.length with the size limit first: decoding a huge file is the
 * expensive part.
 */
export function decodeCorpusBytes(bytes: Uint8Array): string {
  // UTF-16 files are common from Windows tools; say so rather than just "not UTF-8".
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    throw new EngineError('BAD_CORPUS', 'The file is not UTF-8 text: it is UTF-16. Save it as UTF-8 and load it again.');
  }
  try {
    // ignoreBOM false (the default) means the decoder strips a leading UTF-8 BOM.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new EngineError(
      'BAD_CORPUS',
      'The file is not UTF-8 text: it contains bytes that are not valid UTF-8 (a binary file, or text in another encoding). ' +
        'Choose a plain-text file saved as UTF-8.',
    );
  }
}

/**
 * First `trainFraction` (default 90%) train, the rest val, as nanoGPT's prepare.py for
 * shakespeare_char (n_train = int(n * 0.9)). Returns views of `tokens`, not copies.
 */
export function splitTrainVal(tokens: Uint32Array, trainFraction = 0.9): { train: Uint32Array; val: Uint32Array } {
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new EngineError('BAD_CONFIG', `The train fraction must be between 0 and 1 (exclusive), got ${trainFraction}.`);
  }
  const n = Math.floor(tokens.length * trainFraction);
  return { train: tokens.subarray(0, n), val: tokens.subarray(n) };
}

/**
 * nanoGPT's get_batch: B random offsets i in [0, len - T - 1], x = data[i .. i+T), y = data[i+1 .. i+T+1)
 * (next-token targets). Seeded: the same data, sizes and seed give the same batches.
 */
export class BatchSampler {
  private readonly rng: SeededRandom;
  /** Number of distinct windows: offsets 0 .. windows-1. */
  private readonly windows: number;

  /** `label` names the data in errors, e.g. 'validation split'. */
  constructor(
    private readonly data: Uint32Array,
    readonly B: number,
    readonly T: number,
    seed: number,
    label = 'text',
  ) {
    if (!Number.isInteger(B) || B < 1) throw new EngineError('BAD_CONFIG', `Batch size must be a whole number >= 1, got ${B}.`);
    if (!Number.isInteger(T) || T < 1) throw new EngineError('BAD_CONFIG', `Context length must be a whole number >= 1, got ${T}.`);
    // T+1 tokens would give a single window (every batch identical); T+2 guarantees at least two.
    const min = T + 2;
    if (data.length < min) {
      throw new EngineError(
        'BAD_CORPUS',
        `The ${label} is too short: it has ${data.length} tokens, and training with context length ${T} needs at least ` +
          `${min} (context + 2: each example is ${T} tokens plus the next one as target). Use a longer text or a shorter context length.`,
      );
    }
    this.windows = data.length - T; // torch.randint(len(data) - block_size)
    this.rng = new SeededRandom(seed);
  }

  /** x, y: (B, T) row-major, fresh arrays each call. */
  next(): { x: Uint32Array; y: Uint32Array } {
    const { B, T, data } = this;
    const x = new Uint32Array(B * T);
    const y = new Uint32Array(B * T);
    for (let b = 0; b < B; b++) {
      const i = Math.floor(this.rng.next() * this.windows);
      x.set(data.subarray(i, i + T), b * T);
      y.set(data.subarray(i + 1, i + T + 1), b * T);
    }
    return { x, y };
  }
}

/** C0 controls other than tab, LF, VT, FF, CR; DEL; C1 controls; U+FFFD. */
function isOddChar(c: number): boolean {
  if (c < 0x20) return c < 0x09 || c > 0x0d;
  return (c >= 0x7f && c <= 0x9f) || c === 0xfffd;
}

/** UTF-8 size of a JS string without allocating it (lone surrogates count 3, as TextEncoder writes U+FFFD). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * Formats two sizes with as few decimals as tell them apart: "2.5 MB, the limit is 2 MB", but
 * "1.000001 MB" rather than a confusing "1.0 MB, the limit is 1 MB".
 */
function formatPair(x: number, y: number): [string, string] {
  const fmt = (v: number, d: number) => String(Number(v.toFixed(d)));
  let d = 1;
  while (d < 6 && fmt(x, d) === fmt(y, d)) d++;
  return [fmt(x, d), fmt(y, d)];
}
