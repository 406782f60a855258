/**
 * The one corpus loader, for the worker (src/workers/engine/corpus.ts keeps the current one) and
 * the CLI (`cli train --data`): bytes in (one file or several, joined with a newline), checked,
 * decoded, tokenized and split 90/10 as nanoGPT's prepare.py; a bad text throws BAD_CORPUS with
 * what to do (src/model/data.ts checkCorpus).
 */
import { EngineError } from '../errors';
import { checkCorpus, decodeCorpusBytes, splitTrainVal } from './data';
import { corpusTooLargeMessage, MAX_CORPUS_BYTES } from './limits';
import { CharTokenizer, Gpt2Tokenizer, type Tokenizer } from './tokenizer';

/** 'char' (one token per code point of the text) or 'gpt2' (GPT-2's BPE). */
export type TokenizerKind = Tokenizer['kind'];

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
export function corpusFromText(name: string, text: string, kind: TokenizerKind, bytes = new TextEncoder().encode(text).length, given?: Tokenizer): Corpus {
  const tokenizer = given ?? (kind === 'char' ? CharTokenizer.fromCorpus(text) : new Gpt2Tokenizer());
  const tokens = Uint32Array.from(tokenizer.encode(text));
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
  };
  return { name, text, bytes, tokenizer, tokens, train, val, summary };
}
