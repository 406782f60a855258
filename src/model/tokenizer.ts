/**
 * Tokenizers: character level (nanoGPT's Shakespeare recipe), GPT-2's byte-level BPE, and a
 * byte-level BPE learned from the training text (src/model/bpe.ts learns it).
 *
 * `tokenizer.json` in a model directory is written in Hugging Face tokenizers' format (toHfJSON;
 * see hf-tokenizer.ts). tokenizerFromJSON, the one parser, reads that, Hugging Face's own GPT-2
 * file, and the private format that earlier downloads carry (toJSON, the tokenizer's short description):
 *   { "type": "char", "version": 1, "vocab": ["\n", " ", "!", ...] }  vocab[i] is token i, one code point each
 *   { "type": "gpt2", "version": 1 }                                 GPT-2's 50257-token BPE (r50k_base)
 * A learned BPE has no private form: it is only ever written in Hugging Face's (hfByteBpeTokenizerJson).
 *
 * decode() turns ids outside [0, vocabSize) into U+FFFD instead of throwing: a model with a padded
 * vocabulary (nanoGPT pads 50257 to 50304) can sample them, and generation should not crash.
 */
import { encode as r50kEncode } from 'gpt-tokenizer/encoding/r50k_base';
import r50kRanks from 'gpt-tokenizer/bpeRanks/r50k_base';
import { EngineError } from '../errors';
import { BpeModel, type LearnedBpe, type LongWorkOptions } from './bpe';
import { GPT2_EOT_TEXT, hfByteBpe, hfByteBpeTokenizerJson, hfCharTokenizerJson, hfCharVocab, hfGpt2TokenizerJson, isHfGpt2Tokenizer } from './hf-tokenizer';

export type TokenizerJson = { type: 'char'; version: 1; vocab: string[] } | { type: 'gpt2'; version: 1 };

export interface Tokenizer {
  /** 'char': one token per code point; 'gpt2': GPT-2's BPE; 'bpe': a byte-level BPE learned from the training text. */
  readonly kind: 'char' | 'gpt2' | 'bpe';
  readonly vocabSize: number;
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
  /** Our short description of the tokenizer (the tokenizer.json of earlier downloads; still read); a learned BPE's is Hugging Face's file. */
  toJSON(): TokenizerJson | Record<string, unknown>;
  /** tokenizer.json as saved with the model: Hugging Face tokenizers' format. */
  toHfJSON(): Record<string, unknown>;
}

const REPLACEMENT = '\uFFFD';

/** A character for an error message: visible, with its code point (so "\u00a0" is not just a blank). */
function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const shown = cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff) ? JSON.stringify(ch) : `"${ch}"`;
  return `${shown} (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

function byCodePoint(a: string, b: string): number {
  return (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0);
}

/**
 * One token per Unicode code point. Strings are iterated with for..of, which walks code points,
 * so a surrogate pair (emoji, rare CJK) is one token and never split; a lone surrogate in
 * malformed text is a token of its own.
 */
export class CharTokenizer implements Tokenizer {
  readonly kind = 'char';
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(vocab: readonly string[]) {
    if (vocab.length === 0) throw new EngineError('BAD_CORPUS', 'A character vocabulary needs at least one character.');
    const ids = new Map<string, number>();
    vocab.forEach((ch, i) => {
      if (typeof ch !== 'string' || [...ch].length !== 1) {
        throw new EngineError('BAD_CORPUS', `Vocabulary entry ${i} must be exactly one character, but it is ${JSON.stringify(ch)}.`);
      }
      if (ids.has(ch)) throw new EngineError('BAD_CORPUS', `The vocabulary lists the character ${describeChar(ch)} twice.`);
      ids.set(ch, i);
    });
    this.vocab = Object.freeze([...vocab]);
    this.ids = ids;
  }

  /** The distinct code points of `text`, sorted by code point (nanoGPT's sorted(set(text))). */
  static fromCorpus(text: string): CharTokenizer {
    if (text.length === 0) throw new EngineError('BAD_CORPUS', 'The training text is empty.');
    // Default sort compares UTF-16 units, which misorders astral characters (emoji) against U+E000..U+FFFF.
    return new CharTokenizer([...new Set(text)].sort(byCodePoint));
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /** Throws EngineError 'BAD_CORPUS' naming the first character the vocabulary lacks. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id === undefined) {
        throw new EngineError(
          'BAD_CORPUS',
          `The character ${describeChar(ch)} is not in this model's vocabulary of ${this.vocab.length} characters (it was not in the training text). Remove it, or use encodeLossy to drop unknown characters.`,
        );
      }
      out.push(id);
    }
    return out;
  }

  /** Like encode, but silently drops characters the vocabulary lacks. */
  encodeLossy(text: string): number[] {
    const out: number[] = [];
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id !== undefined) out.push(id);
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) s += this.vocab[ids[i]!] ?? REPLACEMENT;
    return s;
  }

  toJSON(): TokenizerJson {
    return { type: 'char', version: 1, vocab: [...this.vocab] };
  }

  toHfJSON(): Record<string, unknown> {
    return hfCharTokenizerJson(this.vocab);
  }
}

const GPT2_VOCAB = 50257;
const EOT_TEXT = GPT2_EOT_TEXT;
const EOT_ID = 50256;

const REPLACEMENT_BYTES = new TextEncoder().encode(REPLACEMENT);

/** Bytes of each GPT-2 token, built on first decode. */
let tokenBytes: Uint8Array[] | undefined;

function gpt2TokenBytes(): Uint8Array[] {
  if (!tokenBytes) {
    const utf8 = new TextEncoder();
    // The rank table holds each token's text, or its raw bytes when they are not valid UTF-8 alone.
    tokenBytes = r50kRanks.map((t) => (typeof t === 'string' ? utf8.encode(t) : Uint8Array.from(t)));
    tokenBytes[EOT_ID] = utf8.encode(EOT_TEXT);
  }
  return tokenBytes;
}

/**
 * GPT-2's byte-level BPE (gpt-tokenizer's r50k_base: the same 50257 tokens as Hugging Face's gpt2).
 * `<|endoftext|>` in text encodes to the document separator 50256 (as GPT-2's training data used
 * it) rather than throwing, so corpora with document boundaries can be pasted as they are.
 */
export class Gpt2Tokenizer implements Tokenizer {
  readonly kind = 'gpt2';
  readonly vocabSize = GPT2_VOCAB;
  /** <|endoftext|>: the document separator, and what generation may stop at. */
  readonly eotId = EOT_ID;

  encode(text: string): number[] {
    // Split on the separator ourselves: gpt-tokenizer 4.0's allowedSpecial only finds a special
    // token at the very start of the text (its search regex is sticky), so "a<|endoftext|>b"
    // would come out as plain text. The pieces hold no special token, so plain encode is exact.
    const out: number[] = [];
    text.split(EOT_TEXT).forEach((piece, i) => {
      if (i > 0) out.push(EOT_ID);
      if (piece) for (const id of r50kEncode(piece)) out.push(id);
    });
    return out;
  }

  /**
   * Joins the tokens' bytes and decodes them once, so a character split across tokens comes out
   * whole and a dangling partial character becomes U+FFFD (as Python's errors="replace").
   * gpt-tokenizer's own decode is avoided: it shares a streaming TextDecoder between calls,
   * so one call ending mid-character corrupts the next.
   */
  decode(ids: ArrayLike<number>): string {
    const table = gpt2TokenBytes();
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = table[ids[i]!] ?? REPLACEMENT_BYTES;
      parts.push(bytes);
      length += bytes.length;
    }
    const all = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return new TextDecoder('utf-8').decode(all);
  }

  toJSON(): TokenizerJson {
    return { type: 'gpt2', version: 1 };
  }

  toHfJSON(): Record<string, unknown> {
    return hfGpt2TokenizerJson();
  }
}

/**
 * A byte-level BPE learned from a text (src/model/bpe.ts): tokens 0..255 are the bytes, then one
 * token per merge. Any UTF-8 text encodes (every byte has a token) and decodes back exactly.
 * Unknown ids decode as U+FFFD, as GPT-2's.
 */
export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe';
  private readonly model: BpeModel;

  /** Throws BAD_CHECKPOINT when the merges and tokens do not fit together (a damaged file). */
  constructor(learned: LearnedBpe) {
    try {
      this.model = new BpeModel(learned.tokens, learned.merges);
    } catch (e) {
      throw badTokenizer((e as Error).message);
    }
  }

  get vocabSize(): number {
    return this.model.vocabSize;
  }

  get tokens(): readonly Uint8Array[] {
    return this.model.tokens;
  }

  get merges(): readonly (readonly [number, number])[] {
    return this.model.merges;
  }

  encode(text: string): number[] {
    return this.model.encode(text);
  }

  /** encode() over a long text, in pieces with progress and a cancel check (the worker's corpus). */
  encodeLong(text: string, opts?: LongWorkOptions): Promise<Uint32Array> {
    return this.model.encodeLong(text, opts);
  }

  /** The bytes joined, then decoded once (a character split across tokens comes out whole; a dangling part is U+FFFD). */
  decode(ids: ArrayLike<number>): string {
    return new TextDecoder('utf-8').decode(this.model.bytesOf(ids, REPLACEMENT_BYTES));
  }

  /** A learned BPE had no earlier private format: its description is Hugging Face's file. */
  toJSON(): Record<string, unknown> {
    return this.toHfJSON();
  }

  toHfJSON(): Record<string, unknown> {
    return hfByteBpeTokenizerJson(this.model.tokens, this.model.merges);
  }
}

function badTokenizer(msg: string): EngineError {
  return new EngineError('BAD_CHECKPOINT', `tokenizer.json: ${msg}`);
}

/** Unicode has 1,114,112 code points: a longer character vocabulary must list one twice. */
export const MAX_CHAR_VOCAB = 0x110000;

/**
 * Reads tokenizer.json (already parsed). Throws EngineError 'BAD_CHECKPOINT' in plain words.
 * `maxVocab` (the model's vocab_size) refuses a vocabulary the model could not use before any of
 * it is indexed, so a hostile file with millions of entries costs one length check.
 */
export function tokenizerFromJSON(json: unknown, maxVocab = MAX_CHAR_VOCAB): Tokenizer {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw badTokenizer('expected a JSON object.');
  const j = json as Record<string, unknown>;
  if (j.type === undefined && 'model' in j) {
    if (isHfGpt2Tokenizer(j)) return new Gpt2Tokenizer();
    const vocab = hfCharVocab(j, Math.min(maxVocab, MAX_CHAR_VOCAB));
    if (typeof vocab === 'string') throw badTokenizer(vocab);
    if (vocab) return charTokenizer(vocab);
    const bpe = hfByteBpe(j, Math.min(maxVocab, MAX_CHAR_VOCAB));
    if (typeof bpe === 'string') throw badTokenizer(bpe);
    if (bpe) return new BpeTokenizer(bpe);
    throw badTokenizer('this is a Hugging Face tokenizers file for a tokenizer other than GPT-2 or a character vocabulary or a byte-level BPE; only byte-level BPE (GPT-2\'s, or one learned from a text) and character-level tokenizers are supported.');
  }
  if (j.type !== 'char' && j.type !== 'gpt2') {
    throw badTokenizer(`"type" must be "char" or "gpt2", but it is ${JSON.stringify(j.type) ?? 'missing'}.`);
  }
  if (j.version !== 1) {
    const newer = typeof j.version === 'number' && j.version > 1;
    throw badTokenizer(newer ? `version ${j.version} is newer than this app understands (1).` : `"version" must be 1, but it is ${JSON.stringify(j.version) ?? 'missing'}.`);
  }
  if (j.type === 'gpt2') return new Gpt2Tokenizer();
  if (!Array.isArray(j.vocab)) throw badTokenizer('a "char" tokenizer needs a "vocab" array of characters.');
  const limit = Math.min(maxVocab, MAX_CHAR_VOCAB);
  if (j.vocab.length > limit) {
    const why = limit === MAX_CHAR_VOCAB ? 'more than there are Unicode characters' : `more than the model's vocab_size of ${limit}`;
    throw badTokenizer(`its vocabulary has ${j.vocab.length.toLocaleString('en-US')} entries, ${why}.`);
  }
  return charTokenizer(j.vocab as string[]);
}

function charTokenizer(vocab: string[]): CharTokenizer {
  try {
    return new CharTokenizer(vocab);
  } catch (e) {
    throw badTokenizer((e as Error).message);
  }
}
