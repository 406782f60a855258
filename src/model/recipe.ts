/**
 * The one recipe validator: what a training recipe may be, checked the same way by the worker
 * (before planning and before a run), the CLI (`cli train`) and the page (Start is disabled while
 * it finds a problem, and the problem is shown at once). Pure and CPU-only (imports only ./limits and
 * src/errors.ts at run time), so the worker API can hand it to the page (src/workers/api.ts re-exports it).
 *
 * What it cannot know without a device, whether the model fits the GPU (TOO_LARGE), is the
 * memory plan's (src/workers/engine/training.ts plan, src/model/config.ts validateConfig).
 */
import { EngineError, type EngineErrorCode } from '../errors';
import { BPE_VOCAB_RANGE, inRange, type NumberRange } from './limits';
import type { Recipe } from './presets';

/** One thing wrong with a recipe: the field to change (or 'corpus'), the engine error code, and what to do, in words. */
export interface RecipeProblem {
  /** 'vocabSize': the size of a vocabulary to learn from the text (checkVocabSize). */
  field: keyof Recipe | 'corpus' | 'vocabSize';
  code: Extract<EngineErrorCode, 'BAD_CONFIG' | 'BAD_CORPUS'>;
  message: string;
}

/** A recipe field as the page labels it, and its allowed values. */
export interface RecipeField extends NumberRange {
  key: keyof Recipe;
  label: string;
}

/** Every recipe field, in the order the page shows them. The page's inputs take their labels and ranges from here. */
export const RECIPE_FIELDS: readonly RecipeField[] = [
  { key: 'n_layer', label: 'layers', min: 1, max: 48, int: true },
  { key: 'n_head', label: 'heads', min: 1, max: 32, int: true },
  { key: 'n_embd', label: 'channels', min: 4, max: 2048, int: true },
  // T + 1 tokens per example, and at least two windows of the text (src/model/data.ts BatchSampler).
  { key: 'block_size', label: 'block size', min: 2, max: 1024, int: true },
  { key: 'batch', label: 'batch', min: 1, max: 512, int: true },
  { key: 'steps', label: 'steps', min: 1, max: 1_000_000, int: true },
  // Rates far above 1e-2 diverge; they are allowed: training then stops with the last good weights and says so.
  { key: 'lr', label: 'learning rate', min: 1e-6, max: 1000, int: false },
  { key: 'minLr', label: 'min lr', min: 0, max: 1, int: false },
  { key: 'warmup', label: 'warmup', min: 0, max: 100_000, int: true },
  { key: 'weightDecay', label: 'weight decay', min: 0, max: 1, int: false },
  // nanoGPT's dropout p: 1 would drop everything (and scale by 1/(1-p) = inf).
  { key: 'dropout', label: 'dropout', min: 0, max: 1, maxExclusive: true, int: false },
  { key: 'evalEvery', label: 'eval every', min: 1, max: 100_000, int: true },
  { key: 'evalIters', label: 'eval batches', min: 1, max: 1000, int: true },
  { key: 'seed', label: 'seed', min: 0, max: 2 ** 31, int: true },
];

/** The length of the training text, as the corpus summary gives it (src/model/corpus.ts). */
export interface CorpusSize {
  trainTokens: number;
  valTokens: number;
}

/** The problem with `value` for recipe field `key`, if any. */
export function checkRecipeField(key: keyof Recipe, value: unknown): RecipeProblem | undefined {
  const f = RECIPE_FIELDS.find((x) => x.key === key)!;
  if (typeof value === 'number' && inRange(value, f)) return undefined;
  const name = f.label === key ? key : `${f.label} (${key})`;
  const allowed = f.int ? `a whole number from ${f.min} to ${f.max}` : f.maxExclusive ? `at least ${f.min} and below ${f.max}` : `from ${f.min} to ${f.max}`;
  return { field: key, code: 'BAD_CONFIG', message: `${name} must be ${allowed}, but it is ${show(value)}.` };
}

/**
 * The problem with the size of a vocabulary to learn from the text (BPE_VOCAB_RANGE), if any: the
 * page shows it at once and disables Start, the worker and the CLI refuse it with the same words.
 */
export function checkVocabSize(value: unknown): RecipeProblem | undefined {
  if (typeof value === 'number' && inRange(value, BPE_VOCAB_RANGE)) return undefined;
  const { min, max } = BPE_VOCAB_RANGE;
  return { field: 'vocabSize', code: 'BAD_CONFIG', message: `The vocabulary size must be a whole number from ${min} to ${max.toLocaleString('en-US')}, but it is ${show(value)}.` };
}

/** Why heads of n_embd / n_head channels cannot be made; undefined when they can. validateConfig (config.ts) says the same. */
export function headWidthProblem(n_embd: number, n_head: number): string | undefined {
  if (n_embd % n_head === 0) return undefined;
  return `n_embd (${n_embd}) must be divisible by n_head (${n_head}) so every attention head gets the same width.`;
}

/**
 * Everything wrong with `recipe`, for a text of `corpus` size when given (too short for the
 * context: BAD_CORPUS, with the longest context it allows). Empty when the recipe trains.
 */
export function checkRecipe(recipe: Recipe, corpus?: CorpusSize): RecipeProblem[] {
  const problems = RECIPE_FIELDS.map((f) => checkRecipeField(f.key, recipe[f.key])).filter((p) => p !== undefined);
  const bad = (k: keyof Recipe) => problems.some((p) => p.field === k);
  if (!bad('n_embd') && !bad('n_head')) {
    const width = headWidthProblem(recipe.n_embd, recipe.n_head);
    if (width) problems.push({ field: 'n_embd', code: 'BAD_CONFIG', message: width });
  }
  if (corpus && !bad('block_size')) {
    const short = textTooShort(corpus, recipe.block_size);
    if (short) problems.push({ field: 'block_size', code: 'BAD_CORPUS', message: short });
  }
  return problems;
}

/** Throws the first problem of checkRecipe as an EngineError: how the worker and the CLI refuse a recipe. */
export function assertRecipe(recipe: Recipe, corpus?: CorpusSize): void {
  const p = checkRecipe(recipe, corpus)[0];
  if (p) throw new EngineError(p.code, p.message);
}

/**
 * Each example is T tokens plus the next one as its target, and the sampler needs two windows at
 * least (src/model/data.ts BatchSampler): both splits need T + 2 tokens. The fix names the longest
 * context this text allows.
 */
function textTooShort(c: CorpusSize, blockSize: number): string | undefined {
  const need = blockSize + 2;
  const part = c.valTokens < need ? 'validation part (the last 10%)' : c.trainTokens < need ? 'training part' : undefined;
  if (!part) return undefined;
  const have = part.startsWith('validation') ? c.valTokens : c.trainTokens;
  const longest = Math.min(c.trainTokens, c.valTokens) - 2;
  const fix = longest >= 2 ? `Use a longer text (about ${need * 10} tokens or more) or a context length of at most ${longest} (block size, under Advanced).` : `Use a longer text (about ${need * 10} tokens or more).`;
  return `The text is too short for context length ${blockSize}: its ${part} has ${have} tokens and needs at least ${need}. ${fix}`;
}

/** A value as the user wrote it (JSON.stringify alone turns NaN into "null"). */
function show(v: unknown): string {
  return typeof v === 'number' || v === undefined ? String(v) : JSON.stringify(v);
}
