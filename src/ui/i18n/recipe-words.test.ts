/** The page words recipe problems from their rule and values: in English exactly as the worker and the CLI, in Chinese with every value. */
import { afterEach, describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- the page gets the presets from the worker; this test holds its copy of their words to them
import { PRESETS } from '../../model/presets';
import { BPE_VOCAB_RANGE, checkRecipe, checkRecipeField, checkVocabSize, RECIPE_FIELDS, type RecipeProblem } from '../../workers/api';
import { setLanguage } from './index';
import { recipe } from './recipe';
import { recipeProblemText } from './recipe-words';

const base = PRESETS[0]!.recipe;

/** One problem of every kind the validator finds: each field out of range, the vocabulary size, the head width, a text too short (with and without a context that fits). */
function everyProblem(): RecipeProblem[] {
  const out: RecipeProblem[] = [];
  for (const f of RECIPE_FIELDS) {
    for (const v of [f.min - 1, f.max + 1, f.int ? f.min + 0.5 : NaN, NaN, '3']) {
      const p = checkRecipeField(f.key, v);
      if (p) out.push(p);
    }
  }
  out.push(checkVocabSize(40)!, checkVocabSize(BPE_VOCAB_RANGE.max * 2)!);
  out.push(...checkRecipe({ ...base, n_embd: 30, n_head: 4 }));
  out.push(...checkRecipe(base, { trainTokens: 900, valTokens: base.block_size + 1 }));
  out.push(...checkRecipe(base, { trainTokens: base.block_size, valTokens: 5000 }));
  out.push(...checkRecipe({ ...base, block_size: 1000 }, { trainTokens: 30, valTokens: 3 }));
  return out;
}

afterEach(() => setLanguage('en'));

describe('recipeProblemText', () => {
  it('covers every kind of rule', () => {
    expect(new Set(everyProblem().map((p) => p.why.rule))).toEqual(new Set(['range', 'vocabSize', 'headWidth', 'tooShort']));
  });

  it('in English says exactly what the worker and the CLI say (problemMessage), so the two cannot drift apart', () => {
    setLanguage('en');
    for (const p of everyProblem()) expect(recipeProblemText(p.why)).toBe(p.message);
  });

  it('in Chinese has no English words left, and keeps the numbers', () => {
    setLanguage('zh');
    for (const p of everyProblem()) {
      const text = recipeProblemText(p.why);
      expect(text, p.message).not.toMatch(/must|but it is|tokens|Use a longer/);
      expect(text, p.message).toMatch(/[\u4e00-\u9fff]/);
      if (p.why.rule === 'tooShort') expect(text).toContain(p.why.need.toLocaleString('zh-CN'));
      if (p.why.rule === 'headWidth') expect(text).toContain(`n_embd（${p.why.n_embd}）`);
    }
    const dropout = checkRecipeField('dropout', 1)!;
    expect(recipeProblemText(dropout.why)).toBe('dropout必须不小于 0 且小于 1，现在是 1。');
    const layers = checkRecipeField('n_layer', 0)!;
    expect(recipeProblemText(layers.why)).toBe('层数（n_layer）必须是 1 到 48 之间的整数，现在是 0。');
  });

  it('the English labels and presets are the validator’s and the presets’ own (one copy each)', () => {
    for (const f of RECIPE_FIELDS) expect(recipe.en.field[f.key]).toBe(f.label);
    for (const p of PRESETS) expect(recipe.en.preset[p.id]).toEqual({ name: p.name, about: p.about });
  });
});
