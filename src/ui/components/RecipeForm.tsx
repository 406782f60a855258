import type { Recipe } from '../../workers/api';
import { useStore } from '../store';
import { NumberField } from './NumberField';

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;

type Field = { key: keyof Recipe; label: string; step: number; min: number; max: number; title?: string };
const FIELDS: Field[] = [
  { key: 'n_layer', label: 'layers', step: 1, min: 1, max: 48 },
  { key: 'n_head', label: 'heads', step: 1, min: 1, max: 32 },
  { key: 'n_embd', label: 'channels', step: 16, min: 4, max: 2048, title: 'n_embd: must be a multiple of the number of heads' },
  { key: 'block_size', label: 'block size', step: 16, min: 2, max: 1024, title: 'context length in tokens' },
  { key: 'batch', label: 'batch', step: 1, min: 1, max: 512 },
  { key: 'steps', label: 'steps', step: 100, min: 1, max: 1_000_000 },
  // Rates far above 1e-2 diverge; they may still be typed: training then stops with the last good weights and says so.
  { key: 'lr', label: 'learning rate', step: 1e-4, min: 1e-6, max: 1000, title: 'peak, after warmup' },
  { key: 'minLr', label: 'min lr', step: 1e-5, min: 0, max: 1, title: 'reached at the last step (cosine decay)' },
  { key: 'warmup', label: 'warmup', step: 10, min: 0, max: 100_000 },
  { key: 'weightDecay', label: 'weight decay', step: 0.01, min: 0, max: 1 },
  { key: 'dropout', label: 'dropout', step: 0.05, min: 0, max: 0.9 },
  { key: 'evalEvery', label: 'eval every', step: 10, min: 1, max: 100_000 },
  { key: 'seed', label: 'seed', step: 1, min: 0, max: 2 ** 31 },
];

/** Presets named for what they do; every number under "Advanced"; the memory it needs, before anything is allocated. */
export function RecipeForm() {
  const presets = useStore((s) => s.presets);
  const presetId = useStore((s) => s.presetId);
  const recipe = useStore((s) => s.recipe);
  const plan = useStore((s) => s.plan);
  const locked = useStore((s) => s.trainStatus !== 'idle');
  const { choosePreset, setRecipe } = useStore.getState();
  if (!recipe) return <p className="text-sm text-zinc-500">Waiting for the GPU…</p>;
  const active = presets.find((p) => p.id === presetId);

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
      {plan?.problem && (
        <p role="alert" data-testid="plan-problem" className="rounded border border-red-800 bg-red-950/60 p-2 text-red-200">
          {plan.problem.code === 'TOO_LARGE' ? 'Too large for this GPU: ' : ''}
          {plan.problem.message}
        </p>
      )}
    </div>
  );
}
