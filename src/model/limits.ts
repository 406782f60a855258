/**
 * The limits, ranges and ids that the engine enforces and the page offers, written once. A leaf
 * module (it imports nothing): the worker API (src/workers/api.ts) re-exports it, so the page's
 * inputs, its checks before a request and the engine's own checks read the same numbers.
 */

/** The library's id for the model shipped with the page (public/weights; never stored in IndexedDB). */
export const SHIPPED_MODEL_ID = 'shipped';

/** The active-model id of a model loaded by URL: this prefix and its Model URL source ('url:openai-community/gpt2'). */
export const URL_SOURCE_PREFIX = 'url:';

/**
 * The BroadcastChannel on which the library says it changed (a model saved, renamed or deleted), so
 * that every open tab's Models list refreshes; messages are `{ kind: 'changed' }`.
 */
export const LIBRARY_CHANNEL = 'gpt-playground:library';

/** Largest training text, in bytes (decimal MB as file managers show them): the page refuses bigger files from their size alone. */
export const MAX_CORPUS_BYTES = 100_000_000;

/** What a text over MAX_CORPUS_BYTES is told, by the page (from the file sizes) and by the engine (from the bytes). */
export function corpusTooLargeMessage(bytes: number): string {
  return `The text is too large: ${(bytes / 1e6).toFixed(1)} MB, the limit is ${MAX_CORPUS_BYTES / 1e6} MB. Use a smaller excerpt of it.`;
}

/** What Start without a training text is told. */
export const NO_CORPUS_MESSAGE = 'Choose a training text first: drop a file, paste text, or pick a bundled corpus.';

/** A number's allowed values: [min, max], or [min, max) with `maxExclusive`; `int` for whole numbers. */
export interface NumberRange {
  min: number;
  max: number;
  int: boolean;
  maxExclusive?: boolean;
}

/**
 * The sampling settings the page offers (and a shared link may carry): temperature 0 is greedy,
 * top-k 0 and top-p 1 are off. The sampler itself accepts any temperature >= 0 (src/model/sampling.ts).
 */
export const SAMPLING_RANGES = {
  temperature: { min: 0, max: 2, int: false },
  topK: { min: 0, max: 1000, int: true },
  topP: { min: 0.05, max: 1, int: false },
  maxNewTokens: { min: 1, max: 5000, int: true },
  seed: { min: 0, max: 2 ** 31, int: true },
} as const satisfies Record<string, NumberRange>;

/**
 * The size of a vocabulary learned from the training text (byte-level BPE, src/model/bpe.ts):
 * at least the 256 bytes; at most 16,384 tokens, where learning a 100 MB text still takes minutes,
 * not hours, and the tied embedding stays a small part of a small model.
 */
export const BPE_VOCAB_RANGE = { min: 256, max: 16_384, int: true } as const satisfies NumberRange;

/** Whether `v` lies in range `r`. */
export function inRange(v: number, r: NumberRange): boolean {
  return Number.isFinite(v) && v >= r.min && (r.maxExclusive ? v < r.max : v <= r.max) && (!r.int || Number.isInteger(v));
}
