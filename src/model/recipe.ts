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

/**
 * Which rule a recipe breaks, and the values its words need: the page words it in the language
 * shown (src/ui/i18n/recipe.ts recipeProblemText), the worker and the CLI in English (problemMessage).
 * Numbers are kept as numbers; `value` is the offending value as the user wrote it.
 */
export type RecipeRule =
  | { rule: 'range'; key: keyof Recipe; min: number; max: number; int: boolean; maxExclusive: boolean; value: string }
  | { rule: 'vocabSize'; min: number; max: number; value: string }
  | { rule: 'headWidth'; n_embd: number; n_head: number }
  /** `longest`: the longest context the text allows (below 2: none, only a longer text helps). */
  | { rule: 'tooShort'; blockSize: number; part: 'validation' | 'training'; have: number; need: number; longest: number };

/** One thing wrong with a recipe: the field to change (or 'corpus'), the engine error code, the rule broken, and what to do, in English words. */
export interface RecipeProblem {
  /** 'vocabSize': the size of a vocabulary to learn from the text (checkVocabSize). */
  field: keyof Recipe | 'corpus' | 'vocabSize';
  code: Extract<EngineErrorCode, 'BAD_CONFIG' | 'BAD_CORPUS'>;
  why: RecipeRule;
  /** problemMessage(why): the English the worker and the CLI refuse the recipe with. */
  message: string;
}

/** A limit as the English words write it: grouped thousands, every decimal kept (1e-6 reads 0.000001). */
export const limitText = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 20 });

/** The English words of a broken rule (what the worker and the CLI say; the page says it in its language). */
export function problemMessage(why: RecipeRule): string {
  switch (why.rule) {
    case 'range': {
      const label = RECIPE_FIELDS.find((f) => f.key === why.key)!.label;
      const name = label === why.key ? why.key : `${label} (${why.key})`;
      const [min, max] = [limitText(why.min), limitText(why.max)];
      const allowed = why.int ? `a whole number from ${min} to ${max}` : why.maxExclusive ? `at least ${min} and below ${max}` : `from ${min} to ${max}`;
      return `${name} must be ${allowed}, but it is ${why.value}.`;
    }
    case 'vocabSize':
      return `The vocabulary size must be a whole number from ${limitText(why.min)} to ${limitText(why.max)}, but it is ${why.value}.`;
    case 'headWidth':
      return `n_embd (${why.n_embd}) must be divisible by n_head (${why.n_head}) so every attention head gets the same width.`;
    case 'tooShort': {
      const part = why.part === 'validation' ? 'validation part (the last 10%)' : 'training part';
      const longer = `Use a longer text (about ${limitText(why.need * 10)} tokens or more)`;
      const fix = why.longest >= 2 ? `${longer} or a context length of at most ${limitText(why.longest)} (block size, under Advanced).` : `${longer}.`;
      return `The text is too short for context length ${limitText(why.blockSize)}: its ${part} has ${limitText(why.have)} tokens and needs at least ${limitText(why.need)}. ${fix}`;
    }
  }
}

const problem = (field: RecipeProblem['field'], code: RecipeProblem['code'], why: RecipeRule): RecipeProblem => ({ field, code, why, message: problemMessage(why) });

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
  return problem(key, 'BAD_CONFIG', { rule: 'range', key, min: f.min, max: f.max, int: f.int, maxExclusive: !!f.maxExclusive, value: show(value) });
}

/**
 * The problem with the size of a vocabulary to learn from the text (BPE_VOCAB_RANGE), if any: the
 * page shows it at once and disables Start, the worker and the CLI refuse it with the same words.
 */
export function checkVocabSize(value: unknown): RecipeProblem | undefined {
  if (typeof value === 'number' && inRange(value, BPE_VOCAB_RANGE)) return undefined;
  const { min, max } = BPE_VOCAB_RANGE;
  return problem('vocabSize', 'BAD_CONFIG', { rule: 'vocabSize', min, max, value: show(value) });
}

/** Why heads of n_embd / n_head channels cannot be made; undefined when they can. validateConfig (config.ts) says the same. */
export function headWidthProblem(n_embd: number, n_head: number): string | undefined {
  if (n_embd % n_head === 0) return undefined;
  return problemMessage({ rule: 'headWidth', n_embd, n_head });
}

/**
 * Everything wrong with `recipe`, for a text of `corpus` size when given (too short for the
 * context: BAD_CORPUS, with the longest context it allows). Empty when the recipe trains.
 */
export function checkRecipe(recipe: Recipe, corpus?: CorpusSize): RecipeProblem[] {
  const problems = RECIPE_FIELDS.map((f) => checkRecipeField(f.key, recipe[f.key])).filter((p) => p !== undefined);
  const bad = (k: keyof Recipe) => problems.some((p) => p.field === k);
  if (!bad('n_embd') && !bad('n_head')) {
    if (recipe.n_embd % recipe.n_head !== 0) problems.push(problem('n_embd', 'BAD_CONFIG', { rule: 'headWidth', n_embd: recipe.n_embd, n_head: recipe.n_head }));
  }
  if (corpus && !bad('block_size')) {
    const short = textTooShort(corpus, recipe.block_size);
    if (short) problems.push(problem('block_size', 'BAD_CORPUS', short));
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
function textTooShort(c: CorpusSize, blockSize: number): RecipeRule | undefined {
  const need = blockSize + 2;
  const part = c.valTokens < need ? 'validation' : c.trainTokens < need ? 'training' : undefined;
  if (!part) return undefined;
  const have = part === 'validation' ? c.valTokens : c.trainTokens;
  return { rule: 'tooShort', blockSize, part, have, need, longest: Math.min(c.trainTokens, c.valTokens) - 2 };
}

/** A value as the user wrote it (JSON.stringify alone turns NaN into "null"). */
function show(v: unknown): string {
  return typeof v === 'number' || v === undefined ? String(v) : JSON.stringify(v);
}
