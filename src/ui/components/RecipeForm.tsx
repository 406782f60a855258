import { RECIPE_FIELDS, type Recipe } from '../../workers/api';
import { useStore } from '../store';
import { NumberField } from './NumberField';

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;

/** The fields under "Advanced" (labels and ranges from the worker API's RECIPE_FIELDS), with the input's step and a hint. */
const INPUTS: Partial<Record<keyof Recipe, { step: number; title?: string }>> = {
  n_layer: { step: 1 },
  n_head: { step: 1 },
  n_embd: { step: 16, title: 'n_embd: must be a multiple of the number of heads' },
  block_size: { step: 16, title: 'context length in tokens' },
  batch: { step: 1 },
  steps: { step: 100 },
  lr: { step: 1e-4, title: 'peak, after warmup' },
  minLr: { step: 1e-5, title: 'reached at the last step (cosine decay)' },
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

/** Presets named for what they do; every number under "Advanced"; the memory it needs, before anything is allocated. */
export function RecipeForm() {
  const presets = useStore((s) => s.presets);
  const presetId = useStore((s) => s.presetId);
  const recipe = useStore((s) => s.recipe);
  const plan = useStore((s) => s.plan);
  const problems = useStore((s) => s.recipeProblems);
  const locked = useStore((s) => s.trainStatus !== 'idle');
  const { choosePreset, setRecipe } = useStore.getState();
  if (!recipe) return <p className="text-sm text-zinc-400">Waiting for the GPU…</p>;
  const active = presets.find((p) => p.id === presetId);
  // What the worker would refuse, known here at once, and what the worker's plan found (TOO_LARGE needs the adapter).
  const shown = plan?.problem && !problems.some((p) => p.message === plan.problem!.message) ? [plan.problem, ...problems] : problems;

  return (
    <div className="space-y-2 text-sm">
      <fieldset className="flex flex-wrap gap-2" disabled={locked}>
        <legend className="sr-only">Preset</legend>
        {presets.map((p) => (
          <button
            key={p.id}
            aria-pressed={p.id === presetId}
            onClick={() => choosePreset(p.id)}
            className={`rounded border px-3 py-1 disabled:opacity-40 ${p.id === presetId ? 'border-emerald-500 bg-emerald-950/50' : 'border-zinc-700 hover:bg-zinc-800'}`}
          >
            {p.name}
          </button>
        ))}
      </fieldset>
      <p className="text-xs text-zinc-400">{active ? active.about : 'Custom recipe.'}</p>
      <details>
        <summary className="cursor-pointer text-zinc-400">Advanced</summary>
        <fieldset disabled={locked} className="mt-2 grid grid-cols-2 gap-2">
          {FIELDS.map((f) => (
            <NumberField key={f.key} label={f.label} title={f.title} value={recipe[f.key]} step={f.step} min={f.min} max={f.max} onChange={(v) => setRecipe({ [f.key]: v })} width="w-24" />
          ))}
        </fieldset>
      </details>
      {plan && (
        <p data-testid="memory-plan" className="text-xs text-zinc-400">
          {(plan.params / 1e6).toFixed(2)}M parameters · needs {mb(plan.bytes.total)} of GPU memory (weights {mb(plan.bytes.weights)}, gradients {mb(plan.bytes.gradients)}, AdamW moments {mb(plan.bytes.adam)}, backup {mb(plan.bytes.backup)}, activations{' '}
          {mb(plan.bytes.activations)}) · this GPU: {mb(plan.limits.maxBufferSize)} per buffer, {mb(plan.limits.maxStorageBufferBindingSize)} per binding
        </p>
      )}
      {shown.length > 0 && (
        <div role="alert" id="plan-problem" data-testid="plan-problem" className="space-y-1 rounded border border-red-800 bg-red-950/60 p-2 text-red-200">
          {shown.map((p) => (
            <p key={p.message}>
              {p.code === 'TOO_LARGE' ? 'Too large for this GPU: ' : ''}
              {p.message}
            </p>
          ))}
        </div>
      )}
    </div>
  );
}
