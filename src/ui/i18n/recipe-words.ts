import type { RecipeRule } from '../../workers/api';
import { formatNumber, t } from './index';

/** A limit or a count in a recipe problem: grouped thousands, every decimal kept (as limitText in English). */
const num = (n: number) => formatNumber(n, { maximumFractionDigits: 20 });

/**
 * A recipe problem (src/model/recipe.ts's rule and values) in the current language. In English it
 * reads exactly as the worker's and the CLI's problemMessage (recipe-words.test.ts).
 */
export function recipeProblemText(why: RecipeRule): string {
  switch (why.rule) {
    case 'range': {
      const label = t(`recipe:field.${why.key}`);
      const name = label === why.key ? why.key : t('recipe:problem.name', { label, key: why.key });
      const values = { name, min: num(why.min), max: num(why.max), value: why.value };
      return why.int ? t('recipe:problem.int', values) : why.maxExclusive ? t('recipe:problem.exclusive', values) : t('recipe:problem.range', values);
    }
    case 'vocabSize':
      return t('recipe:problem.vocabSize', { min: num(why.min), max: num(why.max), value: why.value });
    case 'headWidth':
      return t('recipe:problem.headWidth', { n_embd: String(why.n_embd), n_head: String(why.n_head) });
    case 'tooShort': {
      const tokens = num(why.need * 10);
      const fix = why.longest >= 2 ? t('recipe:problem.fixContext', { tokens, longest: num(why.longest) }) : t('recipe:problem.fixText', { tokens });
      return t('recipe:problem.tooShort', { blockSize: num(why.blockSize), part: t(`recipe:problem.${why.part}`), have: num(why.have), need: num(why.need), fix });
    }
  }
}
