/** The one recipe validator: every field's range, the head width, the text too short for the context (with the longest context it allows). */
import { describe, expect, it } from 'vitest';
import { engineError } from '../../test/engine-error';
import { validateConfig } from './config';
import { PRESETS } from './presets';
import { assertRecipe, checkRecipe, checkRecipeField, RECIPE_FIELDS } from './recipe';

const base = PRESETS[0]!.recipe;

describe('checkRecipe', () => {
  it('every preset is valid, and covers every field', () => {
    for (const p of PRESETS) expect(checkRecipe(p.recipe), p.id).toEqual([]);
    expect(RECIPE_FIELDS.map((f) => f.key).sort()).toEqual(Object.keys(base).sort());
  });

  it('each field: its bounds pass, just outside, non-integers where whole numbers are due, NaN and non-numbers fail', () => {
    for (const f of RECIPE_FIELDS) {
      expect(checkRecipeField(f.key, f.min), `${f.key} min`).toBeUndefined();
      expect(checkRecipeField(f.key, f.max) === undefined, `${f.key} max`).toBe(!f.maxExclusive);
      expect(checkRecipeField(f.key, f.min - 1)?.field, `${f.key} below`).toBe(f.key);
      expect(checkRecipeField(f.key, f.max + 1)?.code, `${f.key} above`).toBe('BAD_CONFIG');
      if (f.int) expect(checkRecipeField(f.key, f.min + 0.5), `${f.key} fraction`).toBeDefined();
      expect(checkRecipeField(f.key, NaN)?.message, `${f.key} NaN`).toMatch(/but it is NaN\.$/);
      expect(checkRecipeField(f.key, '3'), `${f.key} string`).toBeDefined();
    }
  });

  it('says what is allowed in words', () => {
    expect(checkRecipeField('dropout', 1)!.message).toBe('dropout must be at least 0 and below 1, but it is 1.');
    expect(checkRecipeField('n_layer', 0)!.message).toBe('layers (n_layer) must be a whole number from 1 to 48, but it is 0.');
    expect(checkRecipeField('minLr', -1)!.message).toBe('min lr (minLr) must be from 0 to 1, but it is -1.');
  });

  it('n_embd must split evenly into heads: the message validateConfig gives for a checkpoint too', () => {
    const [p] = checkRecipe({ ...base, n_embd: 30, n_head: 4 });
    expect(p).toEqual({ field: 'n_embd', code: 'BAD_CONFIG', why: { rule: 'headWidth', n_embd: 30, n_head: 4 }, message: 'n_embd (30) must be divisible by n_head (4) so every attention head gets the same width.' });
    expect(() => validateConfig({ n_layer: 1, n_head: 4, n_embd: 30, block_size: 8, vocab_size: 5 })).toThrow(p!.message);
  });

  it('a text too short for the context: BAD_CORPUS on block_size, with the longest context that fits; exactly enough passes', () => {
    const T = base.block_size;
    expect(checkRecipe(base, { trainTokens: 10 * (T + 2), valTokens: T + 2 })).toEqual([]);
    const [p] = checkRecipe(base, { trainTokens: 900, valTokens: T + 1 });
    expect(p).toMatchObject({ field: 'block_size', code: 'BAD_CORPUS' });
    expect(p!.message).toBe(
      `The text is too short for context length ${T}: its validation part (the last 10%) has ${T + 1} tokens and needs at least ${T + 2}. ` +
        `Use a longer text (about ${(T + 2) * 10} tokens or more) or a context length of at most ${T - 1} (block size, under Advanced).`,
    );
    expect(checkRecipe({ ...base, block_size: T - 1 }, { trainTokens: 900, valTokens: T + 1 })).toEqual([]);
    expect(checkRecipe(base, { trainTokens: T, valTokens: 1000 })[0]!.message).toMatch(/its training part has \d+ tokens/);
    // Nothing fits: only a longer text helps.
    expect(checkRecipe(base, { trainTokens: 30, valTokens: 3 })[0]!.message).toMatch(/Use a longer text \(about \d+ tokens or more\)\.$/);
  });

  it('assertRecipe throws the first problem as an EngineError with its code', () => {
    expect(engineError(() => assertRecipe({ ...base, steps: 0 })).code).toBe('BAD_CONFIG');
    expect(engineError(() => assertRecipe(base, { trainTokens: 1, valTokens: 1 })).code).toBe('BAD_CORPUS');
    expect(() => assertRecipe(base)).not.toThrow();
  });
});
