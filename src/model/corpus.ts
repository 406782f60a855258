/**
 * The one corpus loader, for the worker (src/workers/engine/corpus.ts keeps the current one) and
 * the CLI (`cli train --data`): bytes in (one file or several, joined with a newline), checked,
 * decoded, tokenized and split 90/10 as nanoGPT's prepare.py; a bad text throws BAD_CORPUS with
 * what to do (src/model/data.ts checkCorpus).
 */
import { EngineError } from '../errors';
import { learnBpe, type LongWorkOptions } from './bpe';
import { checkCorpus, decodeCorpusBytes, splitTrainVal } from './data';
import { corpusTooLargeMessage, MAX_CORPUS_BYTES } from './limits';
import { checkVocabSize } from './recipe';
import { BpeTokenizer, CharTokenizer, Gpt2Tokenizer, type Tokenizer } from './tokenizer';

/** 'char' (one token per code point of the text), 'gpt2' (GPT-2's BPE) or 'bpe' (a BPE learned from the text: learnCorpusBpe). */
export type TokenizerKind = Tokenizer['kind'];

/** What the corpus summary shows of a vocabulary learned from the text. */
export interface LearnedSummary {
  /** The vocabulary size asked for; the learned one (CorpusSummary.vocabSize) is smaller when no pair was left that occurs twice. */
  requested: number;
  /** The start of the text in learned tokens: each chip's text and how many tokens it is (a character split across tokens is one chip). */
  pieces: { text: string; tokens: number }[];
  /** GPT-2's characters per token, on the first `gpt2Chars` characters of the text. */
  gpt2CharsPerToken: number;
  gpt2Chars: number;
  /** How long learning and encoding took, in seconds. */
  seconds: number;
}

/** A file (or pasted text, or a bundled corpus) as bytes. */
export interface CorpusPart {
  name: string;
  bytes: Uint8Array;
}

/** What the page shows of a loaded text before training. */
export interface CorpusSummary {
  /** File name(s), shown and used to name the trained model. */
  name: string;
  chars: number;
  bytes: number;
  /** Distinct code points in the text. */
  distinctChars: number;
  tokenizer: TokenizerKind;
  vocabSize: number;
  trainTokens: number;
  valTokens: number;
  /** The first few hundred characters. */
  preview: string;
  /** Characters (code points) per token over the whole text: 1 for characters; the compression of a BPE. */
  charsPerToken?: number;
  /** For a vocabulary learned from the text. */
  learned?: LearnedSummary;
}

export interface Corpus {
  name: string;
  text: string;
  bytes: number;
  tokenizer: Tokenizer;
  tokens: Uint32Array;
  train: Uint32Array;
  val: Uint32Array;
  summary: CorpusSummary;
}

/** Decodes and joins the parts (a newline between files that lack one), then checks and tokenizes. */
export function loadCorpus(parts: CorpusPart[], kind: TokenizerKind): Corpus {
  if (parts.length === 0) throw new EngineError('BAD_CORPUS', 'No file was given. Drop a text file, or paste some text.');
  const bytes = parts.reduce((n, p) => n + p.bytes.length, 0);
  if (bytes > MAX_CORPUS_BYTES) throw new EngineError('BAD_CORPUS', corpusTooLargeMessage(bytes));
  const texts = parts.map((p) => {
    try {
      const t = decodeCorpusBytes(p.bytes);
      checkCorpus(t);
      return t;
    } catch (e) {
      if (e instanceof EngineError && parts.length > 1) throw new EngineError(e.code, `${p.name}: ${e.message}`);
      throw e;
    }
  });
  const text = texts.map((t, i) => (i < texts.length - 1 && !t.endsWith('\n') ? `${t}\n` : t)).join('');
  return corpusFromText(parts.map((p) => p.name).join(' + '), text, kind, bytes);
}

/**
 * A text already checked (a saved run's corpus, or a re-tokenization), with a new tokenizer of
 * `kind` or the one `given` (the tokenizer a saved model was trained with).
 */
export function corpusFromText(
  name: string,
  text: string,
  kind: TokenizerKind,
  bytes = new TextEncoder().encode(text).length,
  given?: Tokenizer,
  /** Already encoded by `given` (a long text is encoded in pieces first, with progress), and what was learned. */
  done?: { tokens: Uint32Array; learned?: Omit<LearnedSummary, 'pieces' | 'gpt2CharsPerToken' | 'gpt2Chars'> },
): Corpus {
  if (kind === 'bpe' && !given) throw new EngineError('BAD_CONFIG', 'A BPE vocabulary is learned from the text first (learnCorpusBpe).');
  const tokenizer = given ?? (kind === 'char' ? CharTokenizer.fromCorpus(text) : new Gpt2Tokenizer());
  const tokens = done?.tokens ?? Uint32Array.from(tokenizer.encode(text));
  const { train, val } = splitTrainVal(tokens);
  let chars = 0; // code points, as the char tokenizer counts them
  for (let i = 0; i < text.length; i++) if ((text.charCodeAt(i) & 0xfc00) !== 0xdc00) chars++;
  const distinctChars = kind === 'char' ? tokenizer.vocabSize : new Set(text).size;
  const summary: CorpusSummary = {
    name,
    chars,
    bytes,
    distinctChars,
    tokenizer: kind,
    vocabSize: tokenizer.vocabSize,
    trainTokens: train.length,
    valTokens: val.length,
    preview: [...text.slice(0, 600)].slice(0, 400).join(''),
    charsPerToken: tokens.length ? chars / tokens.length : 1,
  };
  if (kind === 'bpe') {
    const gpt2 = gpt2Compression(text);
    summary.learned = { requested: tokenizer.vocabSize, seconds: 0, ...done?.learned, pieces: pieces(tokenizer as BpeTokenizer, tokens), gpt2CharsPerToken: gpt2.charsPerToken, gpt2Chars: gpt2.chars };
  }
  return { name, text, bytes, tokenizer, tokens, train, val, summary };
}

/** Chips shown of the text's start. */
const PIECES = 160;

/** The first tokens as chips: a token that ends inside a character is joined with the next ones until the character is whole. */
function pieces(tokenizer: BpeTokenizer, tokens: Uint32Array): LearnedSummary['pieces'] {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const out: LearnedSummary['pieces'] = [];
  let held: number[] = [];
  for (let i = 0; i < tokens.length && out.length < PIECES; i++) {
    held.push(tokens[i]!);
    const bytes = Uint8Array.from(held.flatMap((id) => [...(tokenizer.tokens[id] ?? [])]));
    let text: string;
    try {
      text = strict.decode(bytes);
    } catch {
      if (held.length < 4) continue; // a UTF-8 character is at most 4 bytes: 4 tokens complete it
      text = tokenizer.decode(held);
    }
    out.push({ text, tokens: held.length });
    held = [];
  }
  return out;
}

/** GPT-2's tokens cost seconds per megabyte: measured on the first this many characters. */
const GPT2_SAMPLE_CHARS = 200_000;

function gpt2Compression(text: string): { charsPerToken: number; chars: number } {
  let sample = text.slice(0, GPT2_SAMPLE_CHARS);
  if (/[\uD800-\uDBFF]$/.test(sample)) sample = sample.slice(0, -1); // not half an emoji
  const chars = [...sample].length;
  const n = new Gpt2Tokenizer().encode(sample).length;
  return { charsPerToken: n ? chars / n : 1, chars };
}

/**
 * Learns a byte-level BPE of `vocabSize` tokens from the corpus's text (src/model/bpe.ts) and
 * encodes the text with it: a long text in pieces, with progress and a cancel check (ABORTED).
 */
export async function learnCorpusBpe(c: Corpus, vocabSize: number, opts: LongWorkOptions = {}): Promise<Corpus> {
  const bad = checkVocabSize(vocabSize);
  if (bad) throw new EngineError(bad.code, bad.message);
  const t0 = performance.now();
  const tokenizer = new BpeTokenizer(await learnBpe(c.text, vocabSize, opts));
  const tokens = await tokenizer.encodeLong(c.text, opts);
  return corpusFromText(c.name, c.text, 'bpe', c.bytes, tokenizer, { tokens, learned: { requested: vocabSize, seconds: (performance.now() - t0) / 1000 } });
}
