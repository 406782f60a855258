import { SAMPLING_RANGES as R, type DecodeWeights } from '../../workers/api';
import { useStore } from '../store';
import { NumberField } from './NumberField';
import { TokenText } from './TokenText';

export function GeneratePanel() {
  const prompt = useStore((s) => s.prompt);
  // The text (prompt and output) is the generation's trace, shown as tokens tinted by where the selected token looks.
  const traced = useStore((s) => s.attention.texts.length > 0);
  const generating = useStore((s) => s.generating);
  const model = useStore((s) => s.model);
  const sampling = useStore((s) => s.sampling);
  const weights = useStore((s) => s.weights);
  const lastRun = useStore((s) => s.lastRun);
  const error = useStore((s) => s.messages.write?.text);
  const training = useStore((s) => s.trainStatus !== 'idle');
  // Actions never change: read once, not subscribed to.
  const { setPrompt, setSampling, setWeights, generate, stopGeneration: stop } = useStore.getState();
  const why = training ? 'Training is using the GPU: stop it to generate.' : !model ? 'Waiting for the model…' : undefined;

  return (
    <section className="rounded-lg border border-zinc-800 p-4" aria-label="Generate">
      <label className="block text-sm font-medium" htmlFor="prompt">
        Prompt
      </label>
      <textarea
        id="prompt"
        className="mt-1 h-24 w-full rounded border border-zinc-700 bg-zinc-900 p-2 font-mono text-sm"
        value={prompt}
        onChange={(e) => setPrompt(e.target.value)}
      />
      <div className="mt-2 flex flex-wrap items-center gap-3 text-sm">
        <NumberField label="temperature" value={sampling.temperature} step={0.1} min={R.temperature.min} max={R.temperature.max} onChange={(v) => setSampling({ temperature: v })} width="w-16" />
        <NumberField label="top-k" value={sampling.topK} step={1} min={R.topK.min} max={R.topK.max} onChange={(v) => setSampling({ topK: v })} width="w-16" />
        <NumberField label="top-p" value={sampling.topP} step={0.05} min={R.topP.min} max={R.topP.max} onChange={(v) => setSampling({ topP: v })} width="w-16" />
        <NumberField label="tokens" value={sampling.maxNewTokens} step={50} min={R.maxNewTokens.min} max={R.maxNewTokens.max} onChange={(v) => setSampling({ maxNewTokens: v })} />
        <NumberField label="seed" value={sampling.seed} step={1} min={R.seed.min} max={R.seed.max} onChange={(v) => setSampling({ seed: v })} width="w-24" />
        <label className="flex items-center gap-1" title="The weights generation reads on the GPU: 16-bit halves the bytes each token reads (logits within half-precision rounding)">
          weights
          <select className="rounded border border-zinc-700 bg-zinc-900 px-1 py-0.5" value={weights} disabled={generating} onChange={(e) => setWeights(e.target.value as DecodeWeights)}>
            <option value="f32">32-bit</option>
            <option value="f16">16-bit</option>
          </select>
        </label>
        {generating ? (
          <button className="ml-auto rounded bg-red-700 px-4 py-1.5 font-medium" onClick={stop} aria-keyshortcuts="Escape" title="Stop (Esc)">
            Stop
          </button>
        ) : (
          <button className="ml-auto rounded bg-emerald-700 px-4 py-1.5 font-medium disabled:opacity-40" disabled={!!why} title={why ?? 'Generate (Ctrl+Enter or ⌘+Enter)'} aria-keyshortcuts="Control+Enter Meta+Enter" onClick={() => void generate()}>
            Generate
          </button>
        )}
      </div>
      {why && model && <p className="mt-2 text-xs text-amber-300" data-testid="generate-disabled">{why}</p>}
      <pre data-testid="output" className="mt-3 min-h-40 whitespace-pre-wrap break-words rounded bg-zinc-900 p-3 font-mono text-sm">
        {traced ? <TokenText /> : <span className="text-zinc-400">{generating ? prompt : ''}</span>}
      </pre>
      {lastRun && !generating && (
        <p className="mt-1 text-xs text-zinc-400" data-testid="speed">
          {lastRun.tokens} tokens in {(lastRun.ms / 1000).toFixed(2)} s ({((1000 * lastRun.tokens) / lastRun.ms).toFixed(1)} tokens/s
          {lastRun.weights && lastRun.weights !== 'cpu' ? `, ${lastRun.weights === 'f16' ? '16' : '32'}-bit weights` : ''})
        </p>
      )}
      {error && (
        <p role="alert" className="mt-2 text-sm text-red-400">
          {error}
        </p>
      )}
    </section>
  );
}
