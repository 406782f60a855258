/**
 * The training corpus, held in the worker: checked, decoded and tokenized here (never on the UI
 * thread) by the one corpus loader (src/model/corpus.ts, which the CLI uses too). A bad corpus
 * throws BAD_CORPUS and leaves the previous one in place.
 */
import { EngineError } from '../../errors';
import { corpusFromText, loadCorpus, type Corpus, type CorpusPart, type CorpusSummary, type TokenizerKind } from '../../model/corpus';
import { NO_CORPUS_MESSAGE } from '../../model/limits';
import type { Tokenizer } from '../../model/tokenizer';

export type { Corpus };

let corpus: Corpus | undefined;

export function currentCorpus(): Corpus {
  if (!corpus) throw new EngineError('BAD_CORPUS', NO_CORPUS_MESSAGE);
  return corpus;
}

/** Decodes and joins the parts (a newline between files that lack one), then checks and tokenizes. */
export function setCorpus(parts: CorpusPart[], kind: TokenizerKind): CorpusSummary {
  corpus = loadCorpus(parts, kind);
  return corpus.summary;
}

/** A saved run's corpus (src/workers/engine/library.ts), with the tokenizer its model was trained with. */
export function setCorpusText(name: string, text: string, tokenizer: Tokenizer): Corpus {
  corpus = corpusFromText(name, text, tokenizer.kind, undefined, tokenizer);
  return corpus;
}

export function setTokenizer(kind: TokenizerKind): CorpusSummary {
  const c = currentCorpus();
  corpus = corpusFromText(c.name, c.text, kind, c.bytes);
  return corpus.summary;
}
