import { SAMPLING_RANGES as R, type DecodeWeights } from '../../workers/api';
import { formatNumber, render, useTranslation } from '../i18n';
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
  const picked = useStore((s) => s.engineInfo?.weights);
  // The user's choice, else the engine's default (the tuner's pick for this GPU, named in its option).
  const weights = useStore((s) => s.weights) ?? picked?.default ?? 'f16';
  const option = (w: DecodeWeights) => {
    const bits = t(w === 'f32' ? 'generate.bits32' : 'generate.bits16');
    return picked?.tuned && picked.default === w ? t('generate.bitsPicked', { bits }) : bits;
  };
  const lastRun = useStore((s) => s.lastRun);
  const error = useStore((s) => s.messages.write?.text);
  const { t } = useTranslation('write');
  const training = useStore((s) => s.trainStatus !== 'idle');
  // Actions never change: read once, not subscribed to.
  const { setPrompt, setSampling, setWeights, generate, stopGeneration: stop } = useStore.getState();
  const why = training ? t('generate.busyTraining') : !model ? t('generate.waitingForModel') : undefined;

  return (
    <section className="rounded-lg border border-zinc-800 p-4" aria-label={t('generate.label')}>
      <label className="block text-sm font-medium" htmlFor="prompt">
        {t('generate.prompt')}
      </label>
      <textarea
        id="prompt"
        className="mt-1 h-24 w-full rounded border border-zinc-700 bg-zinc-900 p-2 font-mono text-sm"
        value={prompt}
        onChange={(e) => setPrompt(e.target.value)}
      />
      <div className="mt-2 flex flex-wrap items-center gap-3 text-sm">
        <NumberField label={t('generate.temperature')} value={sampling.temperature} step={0.1} min={R.temperature.min} max={R.temperature.max} onChange={(v) => setSampling({ temperature: v })} width="w-16" />
        <NumberField label={t('generate.topK')} value={sampling.topK} step={1} min={R.topK.min} max={R.topK.max} onChange={(v) => setSampling({ topK: v })} width="w-16" />
        <NumberField label={t('generate.topP')} value={sampling.topP} step={0.05} min={R.topP.min} max={R.topP.max} onChange={(v) => setSampling({ topP: v })} width="w-16" />
        <NumberField label={t('generate.tokens')} value={sampling.maxNewTokens} step={50} min={R.maxNewTokens.min} max={R.maxNewTokens.max} onChange={(v) => setSampling({ maxNewTokens: v })} />
        <NumberField label={t('generate.seed')} value={sampling.seed} step={1} min={R.seed.min} max={R.seed.max} onChange={(v) => setSampling({ seed: v })} width="w-24" />
        <label className="flex items-center gap-1" title={t('generate.weightsHelp')}>
          {t('generate.weights')}
          <select className="rounded border border-zinc-700 bg-zinc-900 px-1 py-0.5" value={weights} disabled={generating} onChange={(e) => setWeights(e.target.value as DecodeWeights)}>
            <option value="f32">{option('f32')}</option>
            <option value="f16">{option('f16')}</option>
          </select>
        </label>
        {generating ? (
          <button className="ml-auto rounded bg-red-700 px-4 py-1.5 font-medium" onClick={stop} aria-keyshortcuts="Escape" title={t('generate.stopHelp')}>
            {t('generate.stop')}
          </button>
        ) : (
          <button className="ml-auto rounded bg-emerald-700 px-4 py-1.5 font-medium disabled:opacity-40" disabled={!!why} title={why ?? t('generate.generateHelp')} aria-keyshortcuts="Control+Enter Meta+Enter" onClick={() => void generate()}>
            {t('generate.generate')}
          </button>
        )}
      </div>
      {why && model && <p className="mt-2 text-xs text-amber-300" data-testid="generate-disabled">{why}</p>}
      <pre data-testid="output" className="mt-3 min-h-40 whitespace-pre-wrap break-words rounded bg-zinc-900 p-3 font-mono text-sm">
        {traced ? <TokenText /> : <span className="text-zinc-400">{generating ? prompt : ''}</span>}
      </pre>
      {lastRun && !generating && (
        <p className="mt-1 text-xs text-zinc-400" data-testid="speed">
          {t('generate.speed', {
            count: lastRun.tokens,
            n: formatNumber(lastRun.tokens),
            seconds: formatNumber(lastRun.ms / 1000, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
            rate: formatNumber((1000 * lastRun.tokens) / lastRun.ms, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
            bits: lastRun.weights && lastRun.weights !== 'cpu' ? t('generate.speedBits', { bits: lastRun.weights === 'f16' ? 16 : 32 }) : '',
          })}
        </p>
      )}
      {error && (
        <p role="alert" className="mt-2 text-sm text-red-400">
          {render(error)}
        </p>
      )}
    </section>
  );
}
