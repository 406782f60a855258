import { formatNumber, useTranslation } from '../i18n';
import { useStore } from '../store';

/** A sample from the weights at each evaluation, newest first: the text improving as the model learns. */
export function SampleList() {
  const samples = useStore((s) => s.samples);
  const picked = useStore((s) => s.pickedStep); // the Training step slider's evaluation: its sample is marked
  const { t } = useTranslation('train');
  if (samples.length === 0) return null;
  return (
    <section aria-label={t('samples.label')} className="space-y-2">
      <h3 className="text-sm font-medium">{t('samples.heading')}</h3>
      <ol className="max-h-96 space-y-2 overflow-y-auto">
        {samples.map((s) => (
          <li key={s.step} data-testid="training-sample" aria-current={s.step === picked || undefined} className={`rounded border p-2 ${s.step === picked ? 'border-sky-400' : 'border-zinc-800'}`}>
            <p className="text-xs text-zinc-400">
              {t('samples.at', { step: formatNumber(s.step), loss: formatNumber(s.valLoss, { minimumFractionDigits: 3, maximumFractionDigits: 3 }) })}
            </p>
            <pre className="mt-1 whitespace-pre-wrap break-words font-mono text-xs">{s.text}</pre>
          </li>
        ))}
      </ol>
    </section>
  );
}
