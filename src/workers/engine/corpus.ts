/**
 * The training corpus, held in the worker: checked, decoded and tokenized here (never on the UI
 * thread) by the one corpus loader (src/model/corpus.ts, which the CLI uses too). A bad corpus
 * throws BAD_CORPUS and leaves the previous one in place. A vocabulary learned from the text
 * (learnTokenizer) streams its progress and can be cancelled.
 */
import { EngineError } from '../../errors';
import { corpusFromText, learnCorpusBpe, loadCorpus, type Corpus, type CorpusPart, type CorpusSummary, type TokenizerKind } from '../../model/corpus';
import { NO_CORPUS_MESSAGE } from '../../model/limits';
import type { Tokenizer } from '../../model/tokenizer';
import type { LearnEvent, OnEvent, Streamed } from '../api';
import { eventStream } from './stream';

export type { Corpus };

let corpus: Corpus | undefined;

export function currentCorpus(): Corpus {
  if (!corpus) throw new EngineError('BAD_CORPUS', NO_CORPUS_MESSAGE);
  return corpus;
}

/** Decodes and joins the parts (a newline between files that lack one), then checks and tokenizes. */
export function setCorpus(parts: CorpusPart[], kind: TokenizerKind): CorpusSummary {
  learning?.abort(); // a vocabulary of the previous text is of no use
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

/** The learning in progress, cancelled by cancelLearning or a newer learnTokenizer. */
let learning: AbortController | undefined;
/** Progress crosses to the page at most this often. */
const PROGRESS_MS = 100;

/**
 * Learns a BPE from the current text and re-tokenizes it, in pieces: between them the worker
 * answers other calls (a cancel among them). The corpus changes only when it succeeds and the
 * text is still the current one.
 */
export async function learnTokenizer(vocabSize: number, onEvent: OnEvent<LearnEvent>): Promise<{ summary: CorpusSummary } & Streamed> {
  learning?.abort();
  const ctrl = new AbortController();
  learning = ctrl;
  const events = eventStream(onEvent);
  const c = currentCorpus();
  let last = 0;
  try {
    const learned = await learnCorpusBpe(c, vocabSize, {
      signal: ctrl.signal,
      onProgress: (p) => {
        const now = performance.now();
        if (now - last < PROGRESS_MS && p.done < p.total) return;
        last = now;
        events.emit(p);
      },
    });
    if (corpus !== c) throw new EngineError('ABORTED', 'The training text changed while its vocabulary was being learned.');
    corpus = learned;
    return { summary: learned.summary, events: events.sent };
  } finally {
    if (learning === ctrl) learning = undefined;
  }
}

export function cancelLearning(): void {
  learning?.abort();
}
