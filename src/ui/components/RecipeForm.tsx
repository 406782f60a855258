import { RECIPE_FIELDS, type MemoryPlan, type Recipe, type RecipeProblem } from '../../workers/api';
import { errorText, formatNumber, t, useTranslation } from '../i18n';
import { recipeProblemText } from '../i18n/recipe-words';
import { useStore } from '../store';
import { NumberField } from './NumberField';

const mb = (bytes: number) => t('recipe:mib', { n: formatNumber(bytes / 2 ** 20, { minimumFractionDigits: bytes < 10 * 2 ** 20 ? 1 : 0, maximumFractionDigits: bytes < 10 * 2 ** 20 ? 1 : 0 }) });

/** The fields under "Advanced" (ranges from the worker API's RECIPE_FIELDS, labels from the `recipe` namespace), with the input's step and whether it has a hint. */
const INPUTS: Partial<Record<keyof Recipe, { step: number; hint?: 'n_embd' | 'block_size' | 'lr' | 'minLr' }>> = {
  n_layer: { step: 1 },
  n_head: { step: 1 },
  n_embd: { step: 16, hint: 'n_embd' },
  block_size: { step: 16, hint: 'block_size' },
  batch: { step: 1 },
  steps: { step: 100 },
  lr: { step: 1e-4, hint: 'lr' },
  minLr: { step: 1e-5, hint: 'minLr' },
  warmup: { step: 10 },
  weightDecay: { step: 0.01 },
  dropout: { step: 0.05 },
  evalEvery: { step: 10 },
  seed: { step: 1 },
};
const FIELDS = RECIPE_FIELDS.flatMap((f) => {
  const input = INPUTS[f.key];
  return input ? [{ ...f, ...input }] : [];
});

/** A problem the worker's plan found, in the current language: a recipe rule as the page words it, not fitting the GPU with the engine's detail. */
function planProblemText(p: NonNullable<MemoryPlan['problem']>): string {
  if (p.why) return recipeProblemText(p.why);
  return p.code === 'TOO_LARGE' ? t('recipe:tooLarge', { detail: p.message }) : errorText(p.code, p.message);
}

/** Presets named for what they do; every number under "Advanced"; the memory it needs, before anything is allocated. */
export function RecipeForm() {
  const presets = useStore((s) => s.presets);
  const presetId = useStore((s) => s.presetId);
  const recipe = useStore((s) => s.recipe);
  const plan = useStore((s) => s.plan);
  const problems = useStore((s) => s.recipeProblems);
  const locked = useStore((s) => s.trainStatus !== 'idle');
  const { choosePreset, setRecipe } = useStore.getState();
  useTranslation('recipe'); // re-render on a language switch
  if (!recipe) return <p className="text-sm text-zinc-400">{t('recipe:waitingForGpu')}</p>;
  // What the worker would refuse, known here at once, and what the worker's plan found (TOO_LARGE needs the adapter).
  const shown: { key: string; text: string }[] = problems.map((p: RecipeProblem) => ({ key: p.message, text: recipeProblemText(p.why) }));
  if (plan?.problem && !problems.some((p) => p.message === plan.problem!.message)) shown.unshift({ key: plan.problem.message, text: planProblemText(plan.problem) });

  return (
    <div className="space-y-2 text-sm">
      <fieldset className="flex flex-wrap gap-2" disabled={locked}>
        <legend className="sr-only">{t('recipe:preset.legend')}</legend>
        {presets.map((p) => (
          <button
            key={p.id}
            aria-pressed={p.id === presetId}
            onClick={() => choosePreset(p.id)}
            className={`rounded border px-3 py-1 disabled:opacity-40 ${p.id === presetId ? 'border-emerald-500 bg-emerald-950/50' : 'border-zinc-700 hover:bg-zinc-800'}`}
          >
            {t(`recipe:preset.${p.id}.name`)}
          </button>
        ))}
      </fieldset>
      <p className="text-xs text-zinc-400">{presetId ? t(`recipe:preset.${presetId}.about`) : t('recipe:preset.custom')}</p>
      <details>
        <summary className="cursor-pointer text-zinc-400">{t('recipe:advanced')}</summary>
        <fieldset disabled={locked} className="mt-2 grid grid-cols-2 gap-2">
          {FIELDS.map((f) => (
            <NumberField
              key={f.key}
              label={t(`recipe:field.${f.key}`)}
              title={f.hint && t(`recipe:hint.${f.hint}`)}
              value={recipe[f.key]}
              step={f.step}
              min={f.min}
              max={f.max}
              onChange={(v) => setRecipe({ [f.key]: v })}
              width="w-24"
            />
          ))}
        </fieldset>
      </details>
      {plan && (
        <p data-testid="memory-plan" className="text-xs text-zinc-400">
          {t('recipe:plan', {
            params: formatNumber(plan.params, { notation: 'compact', maximumSignificantDigits: 3 }),
            total: mb(plan.bytes.total),
            weights: mb(plan.bytes.weights),
            gradients: mb(plan.bytes.gradients),
            adam: mb(plan.bytes.adam),
            backup: mb(plan.bytes.backup),
            activations: mb(plan.bytes.activations),
            perBuffer: mb(plan.limits.maxBufferSize),
            perBinding: mb(plan.limits.maxStorageBufferBindingSize),
          })}
        </p>
      )}
      {shown.length > 0 && (
        <div role="alert" id="plan-problem" data-testid="plan-problem" className="space-y-1 rounded border border-red-800 bg-red-950/60 p-2 text-red-200">
          {shown.map((p) => (
            <p key={p.key}>{p.text}</p>
          ))}
        </div>
      )}
    </div>
  );
}
