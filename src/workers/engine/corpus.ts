/**
 * The training corpus, held in the worker: checked, decoded and tokenized here (never on the UI
 * thread). A bad corpus throws BAD_CORPUS and leaves the previous one in place.
 */
import { checkCorpus, decodeCorpusBytes, DEFAULT_MAX_CORPUS_BYTES, splitTrainVal } from '../../model/data';
import { EngineError } from '../../errors';
import { CharTokenizer, Gpt2Tokenizer, type Tokenizer } from '../../model/tokenizer';
import type { CorpusPart, CorpusSummary, TokenizerKind } from '../api';

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

let corpus: Corpus | undefined;

export function currentCorpus(): Corpus {
  if (!corpus) throw new EngineError('BAD_CORPUS', 'Choose a training text first: drop a file, paste text, or pick a bundled corpus.');
  return corpus;
}

/** Decodes and joins the parts (a newline between files that lack one), then checks and tokenizes. */
export function setCorpus(parts: CorpusPart[], kind: TokenizerKind): CorpusSummary {
  if (parts.length === 0) throw new EngineError('BAD_CORPUS', 'No file was given. Drop a text file, or paste some text.');
  const bytes = parts.reduce((n, p) => n + p.bytes.length, 0);
  if (bytes > DEFAULT_MAX_CORPUS_BYTES) {
    throw new EngineError('BAD_CORPUS', `The text is too large: ${(bytes / 1e6).toFixed(1)} MB, the limit is ${DEFAULT_MAX_CORPUS_BYTES / 1e6} MB. Use a smaller excerpt of it.`);
  }
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
  const name = parts.map((p) => p.name).join(' + ');
  corpus = tokenize(name, text, bytes, kind);
  return corpus.summary;
}

/** A saved run's corpus (src/workers/engine/library.ts), with the tokenizer its model was trained with. */
export function setCorpusText(name: string, text: string, tokenizer: Tokenizer): Corpus {
  corpus = tokenize(name, text, new TextEncoder().encode(text).length, tokenizer.kind, tokenizer);
  return corpus;
}

export function setTokenizer(kind: TokenizerKind): CorpusSummary {
  const c = currentCorpus();
  corpus = tokenize(c.name, c.text, c.bytes, kind);
  return corpus.summary;
}

function tokenize(name: string, text: string, bytes: number, kind: TokenizerKind, given?: Tokenizer): Corpus {
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

/** BAD_CORPUS in words when a split is too short for the recipe's context (each example is T tokens + 1 target). */
export function checkLongEnough(c: Corpus, blockSize: number): void {
  const need = blockSize + 2;
  const short = c.val.length < need ? 'validation part (the last 10%)' : c.train.length < need ? 'training part' : undefined;
  if (!short) return;
  const have = short.startsWith('validation') ? c.val.length : c.train.length;
  throw new EngineError(
    'BAD_CORPUS',
    `The text is too short for context length ${blockSize}: its ${short} has ${have} tokens and needs at least ${need}. ` +
      `Use a longer text (about ${need * 10} tokens or more) or a shorter context length under Advanced.`,
  );
}
