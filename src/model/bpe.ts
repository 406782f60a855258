/**
 * Byte-level byte-pair encoding learned from a text (Sennrich et al. 2016 over bytes, as GPT-2 and
 * Hugging Face's `tokenizers` BpeTrainer do it), and encoding with what it learned.
 *
 * The text is cut into words by GPT-2's pre-tokenization regex (the one `tokenizers`' ByteLevel
 * pre-tokenizer applies with use_regex, so Hugging Face splits a text exactly as we do); each
 * word is its UTF-8 bytes, tokens 0..255 being the bytes themselves. Training repeats: count every
 * adjacent pair of tokens in every word, weighted by how often the word occurs; the most frequent
 * pair becomes a new token; replace it everywhere. Counts are integers (nothing here is a float),
 * so the result does not depend on the machine.
 *
 * Ties: among pairs with the same count, the one with the smaller left id wins, then the smaller
 * right id (ids are in order of creation, bytes by value). A pair seen only once is not worth a
 * token: training stops early when the best pair occurs once (the vocabulary is then smaller than
 * asked). When a merge spells a token that already exists (a+bc after ab+c), the merge maps to
 * that token and adds none, as `tokenizers` does: a vocabulary never holds one byte string twice.
 *
 * Speed: the text is read once, into a table of distinct words and their counts. Pair counts are
 * then updated incrementally: a merge touches only the words that hold its pair (an index from
 * pair to words), and the next best pair comes from a heap with lazy deletion, never from a new
 * scan. Long texts are counted in chunks cut where GPT-2's regex always splits (see safeCuts), with
 * a progress callback and a cancel check between chunks; the caller's event loop runs between them.
 *
 * Encoding a word: start from its bytes and apply the merges by rank, lowest first (every
 * occurrence of the best pair, left to right), until none applies: GPT-2's bpe(), and what
 * `tokenizers`' BPE model does with the same merges. The slow obvious reference of the trainer is
 * in bpe.test.ts.
 */
import { EngineError } from '../errors';

/**
 * GPT-2's pre-tokenization: contractions, optional space + letters, optional space + digits,
 * optional space + other symbols, whitespace not followed by a non-space, other whitespace.
 */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** The words of `text` in order (their concatenation is `text`). */
export function splitWords(text: string): string[] {
  return text.match(new RegExp(GPT2_SPLIT)) ?? [];
}

const isSpace = (c: string | undefined) => c !== undefined && /\s/u.test(c);

/**
 * Cuts `text` into pieces of about `size` UTF-16 units whose words are exactly the words of the
 * whole text: a cut goes right after a newline that follows a non-space and precedes a non-space.
 * No match of GPT2_SPLIT holds a newline followed by a non-space, and a lone newline before a
 * non-space is one word whether the text goes on or ends there. Without such a place the rest is
 * one piece.
 */
export function* safeCuts(text: string, size: number): Generator<[number, number]> {
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    while (end < text.length && !(text[end - 1] === '\n' && !isSpace(text[end - 2]) && !isSpace(text[end]))) {
      end = text.indexOf('\n', end);
      end = end < 0 ? text.length : end + 1;
    }
    yield [start, end];
    start = end;
  }
}

export interface BpeProgress {
  phase: 'counting' | 'merging' | 'encoding';
  /** Characters read (counting, encoding) or tokens made (merging), of `total`. */
  done: number;
  total: number;
}

export interface LongWorkOptions {
  onProgress?: (p: BpeProgress) => void;
  /** Checked between pieces of work: an aborted signal stops it with ABORTED. */
  signal?: AbortSignal;
  /** Characters per piece (the text is cut at safe places, see safeCuts). */
  chunkChars?: number;
}

const CHUNK_CHARS = 1 << 18;
/** Give the event loop a turn (progress messages go out, a cancel comes in) at least this often. */
const SLICE_MS = 40;

/** Yields to the event loop when SLICE_MS have passed since the last turn, and honours a cancel. */
function pacer(signal?: AbortSignal): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last >= SLICE_MS) {
      await new Promise((r) => setTimeout(r, 0));
      last = performance.now();
    }
    if (signal?.aborted) throw new EngineError('ABORTED', 'Learning the vocabulary was cancelled.');
  };
}

/** Distinct words of `text` and how often each occurs. */
export async function countWords(text: string, opts: LongWorkOptions = {}): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const pace = pacer(opts.signal);
  for (const [a, b] of safeCuts(text, opts.chunkChars ?? CHUNK_CHARS)) {
    for (const w of splitWords(text.slice(a, b))) counts.set(w, (counts.get(w) ?? 0) + 1);
    opts.onProgress?.({ phase: 'counting', done: b, total: text.length });
    await pace();
  }
  return counts;
}

/** What training learns: the merges in order, each a pair of token ids (tokens 0..255 are the bytes). */
export interface LearnedBpe {
  /** merges[r] = [left, right]: the merge of rank r. */
  merges: [number, number][];
  /** Bytes of every token, by id: 0..255 the bytes, then each new token in order of creation. */
  tokens: Uint8Array[];
}

/** Bytes as a string key (one char per byte) for the vocabulary's lookup by content. */
export const bytesKey = (b: Uint8Array): string => String.fromCharCode(...b);

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The 256 one-byte tokens, id = byte value. */
export function byteTokens(): Uint8Array[] {
  return Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
}

/** Pair keys: ids stay below 2^21 (a vocabulary is at most a few hundred thousand tokens). */
const KEY = 1 << 21;
const pairKey = (a: number, b: number) => a * KEY + b;

/**
 * A max-heap of (count, key): the largest count first, then the smallest key (= smallest left id,
 * then right id). Entries go stale when a count changes; a fresh one is pushed, and stale ones are
 * skipped when they surface (lazy deletion).
 */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  private before(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    return ci > cj || (ci === cj && this.keys[i]! < this.keys[j]!);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j]!, this.counts[i]!];
    [this.keys[i], this.keys[j]] = [this.keys[j]!, this.keys[i]!];
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    for (let i = this.keys.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  peek(): { count: number; key: number } {
    return { count: this.counts[0]!, key: this.keys[0]! };
  }

  pop(): void {
    const last = this.keys.length - 1;
    this.swap(0, last);
    this.counts.pop();
    this.keys.pop();
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.before(l, m)) m = l;
      if (r < last && this.before(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}

/**
 * Learns merges from word counts until the vocabulary has `vocabSize` tokens (or no pair occurs
 * twice). See the file comment for the rule and the tie-break.
 */
export async function learnMerges(wordCounts: Map<string, number>, vocabSize: number, opts: LongWorkOptions = {}): Promise<LearnedBpe> {
  const utf8 = new TextEncoder();
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [w, n] of wordCounts) {
    words.push([...utf8.encode(w)]);
    freq.push(n);
  }
  const tokens = byteTokens();
  const idOf = new Map(tokens.map((t, i) => [bytesKey(t), i]));
  const merges: [number, number][] = [];

  const count = new Map<number, number>();
  /** Words that hold (or held) each pair: may list a word twice or after the pair left it. */
  const where = new Map<number, number[]>();
  const add = (key: number, n: number) => {
    const c = (count.get(key) ?? 0) + n;
    if (c === 0) count.delete(key);
    else count.set(key, c);
  };
  const note = (key: number, w: number) => {
    const list = where.get(key);
    if (list) list.push(w);
    else where.set(key, [w]);
  };
  words.forEach((ids, w) => {
    for (let i = 0; i + 1 < ids.length; i++) {
      const k = pairKey(ids[i]!, ids[i + 1]!);
      add(k, freq[w]!);
      note(k, w);
    }
  });
  const heap = new PairHeap();
  for (const [k, c] of count) heap.push(c, k);

  const pace = pacer(opts.signal);
  const seen = new Int32Array(words.length).fill(-1);
  const total = vocabSize - 256;
  while (tokens.length < vocabSize) {
    // The best pair whose heap entry is current.
    while (heap.size && heap.peek().count !== count.get(heap.peek().key)) heap.pop();
    if (!heap.size || heap.peek().count < 2) break;
    const key = heap.peek().key;
    heap.pop();
    const a = Math.floor(key / KEY);
    const b = key % KEY;
    const bytes = concatBytes(tokens[a]!, tokens[b]!);
    let t = idOf.get(bytesKey(bytes));
    if (t === undefined) {
      t = tokens.length;
      tokens.push(bytes);
      idOf.set(bytesKey(bytes), t);
    }
    const r = merges.length;
    merges.push([a, b]);

    const changed = new Set<number>();
    for (const w of where.get(key) ?? []) {
      if (seen[w] === r) continue;
      seen[w] = r;
      const old = words[w]!;
      const next: number[] = [];
      for (let i = 0; i < old.length; i++) {
        if (old[i] === a && old[i + 1] === b && i + 1 < old.length) {
          next.push(t);
          i++;
        } else next.push(old[i]!);
      }
      if (next.length === old.length) continue; // the pair left this word earlier
      const n = freq[w]!;
      for (let i = 0; i + 1 < old.length; i++) {
        const k = pairKey(old[i]!, old[i + 1]!);
        add(k, -n);
        changed.add(k);
      }
      for (let i = 0; i + 1 < next.length; i++) {
        const k = pairKey(next[i]!, next[i + 1]!);
        add(k, n);
        changed.add(k);
        if (next[i] === t || next[i + 1] === t) note(k, w);
      }
      words[w] = next;
    }
    where.delete(key);
    for (const k of changed) {
      const c = count.get(k);
      if (c !== undefined) heap.push(c, k);
    }
    if ((r & 15) === 0) {
      opts.onProgress?.({ phase: 'merging', done: tokens.length - 256, total });
      await pace();
    }
  }
  opts.onProgress?.({ phase: 'merging', done: tokens.length - 256, total });
  return { merges, tokens };
}

/** Counts the words of `text`, then learns merges up to `vocabSize` tokens. */
export async function learnBpe(text: string, vocabSize: number, opts: LongWorkOptions = {}): Promise<LearnedBpe> {
  return learnMerges(await countWords(text, opts), vocabSize, opts);
}

/**
 * Encoding with learned merges (any byte-level BPE: ours, or a Hugging Face file's). `tokens` are
 * the bytes of every id; each merge's result is the token spelling its two halves joined.
 */
export class BpeModel {
  /** Id of each one-byte token. */
  private readonly byteIds: Int32Array;
  /** Rank of each merge by pair key, and the id it makes. */
  private readonly rank = new Map<number, number>();
  private readonly result: Int32Array;
  private cache = new Map<string, number[]>();

  /** Throws a plain message (the caller wraps it in its error) when the merges or tokens do not fit together. */
  constructor(
    readonly tokens: readonly Uint8Array[],
    readonly merges: readonly (readonly [number, number])[],
  ) {
    const idOf = new Map<string, number>();
    tokens.forEach((t, i) => {
      const k = bytesKey(t);
      if (t.length === 0) throw new Error(`token ${i} is empty.`);
      if (idOf.has(k)) throw new Error(`tokens ${idOf.get(k)} and ${i} are the same bytes.`);
      idOf.set(k, i);
    });
    this.byteIds = new Int32Array(256);
    for (let b = 0; b < 256; b++) {
      const id = idOf.get(String.fromCharCode(b));
      if (id === undefined) throw new Error(`the byte 0x${b.toString(16).padStart(2, '0')} has no token, so some texts could not be encoded.`);
      this.byteIds[b] = id;
    }
    this.result = new Int32Array(merges.length);
    merges.forEach(([a, b], r) => {
      if (!(a >= 0 && a < tokens.length && b >= 0 && b < tokens.length)) throw new Error(`merge ${r} joins tokens ${a} and ${b}, outside the vocabulary.`);
      const made = idOf.get(bytesKey(tokens[a]!) + bytesKey(tokens[b]!));
      if (made === undefined) throw new Error(`merge ${r} makes a token that is not in the vocabulary.`);
      this.result[r] = made;
      const k = pairKey(a, b);
      if (!this.rank.has(k)) this.rank.set(k, r); // a repeated merge never applies: the first one has merged it
    });
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  /** The ids of one word (a piece of text from splitWords). */
  encodeWord(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const ids = Array.from(new TextEncoder().encode(word), (b) => this.byteIds[b]!);
    for (;;) {
      let best = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.rank.get(pairKey(ids[i]!, ids[i + 1]!));
        if (r !== undefined && (best < 0 || r < best)) best = r;
      }
      if (best < 0) break;
      const [a, b] = this.merges[best]!;
      let j = 0;
      for (let i = 0; i < ids.length; i++, j++) {
        if (ids[i] === a && ids[i + 1] === b && i + 1 < ids.length) {
          ids[j] = this.result[best]!;
          i++;
        } else ids[j] = ids[i]!;
      }
      ids.length = j;
    }
    if (this.cache.size > 200_000) this.cache = new Map();
    this.cache.set(word, ids);
    return ids;
  }

  encode(text: string, out: number[] = []): number[] {
    for (const w of splitWords(text)) for (const id of this.encodeWord(w)) out.push(id);
    return out;
  }

  /** encode() over a long text in pieces, with progress and a cancel check between them. */
  async encodeLong(text: string, opts: LongWorkOptions = {}): Promise<Uint32Array> {
    const pace = pacer(opts.signal);
    const parts: Uint32Array[] = [];
    let n = 0;
    for (const [a, b] of safeCuts(text, opts.chunkChars ?? CHUNK_CHARS)) {
      const ids = Uint32Array.from(this.encode(text.slice(a, b)));
      parts.push(ids);
      n += ids.length;
      opts.onProgress?.({ phase: 'encoding', done: b, total: text.length });
      await pace();
    }
    const out = new Uint32Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** The bytes of `ids` joined (ids outside the vocabulary: `missing`). */
  bytesOf(ids: ArrayLike<number>, missing: Uint8Array): Uint8Array {
    let length = 0;
    for (let i = 0; i < ids.length; i++) length += (this.tokens[ids[i]!] ?? missing).length;
    const out = new Uint8Array(length);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const t = this.tokens[ids[i]!] ?? missing;
      out.set(t, at);
      at += t.length;
    }
    return out;
  }
}
