import { useStore } from '../store';
import { NoWebGpu } from './NoWebGpu';
import { formatNumber, LANGUAGES, render, setLanguage, t as tr, useTranslation, type Language } from '../i18n';

export function Header() {
  const gpu = useStore((s) => s.gpu);
  const tuning = useStore((s) => s.engineInfo?.tuning);
  const { t, i18n } = useTranslation();
  const { t: tf } = useTranslation('frame');
  return (
    <header className="flex flex-wrap items-baseline gap-x-4 gap-y-1">
      <h1 className="text-3xl font-semibold tracking-tight">{t('title')}</h1>
      <p className="text-zinc-400">{t('tagline')}</p>
      <label className="ml-auto text-sm text-zinc-400">
        <span className="sr-only">{t('language.label')}</span>
        <select
          data-testid="language"
          aria-label={t('language.label')}
          className="rounded border border-zinc-700 bg-zinc-900 px-2 py-1 text-zinc-200"
          value={i18n.language}
          onChange={(e) => setLanguage(e.target.value as Language)}
        >
          {LANGUAGES.map((lang) => (
            <option key={lang} value={lang}>
              {t(`language.${lang}`)}
            </option>
          ))}
        </select>
      </label>
      <section className="basis-full text-sm" aria-label={tf('gpu.label')}>
        {gpu.state === 'starting' && (
          <p data-testid="gpu-status">
            {tf('gpu.starting')}
          </p>
        )}
        {gpu.state === 'ready' && (
          <p data-testid="gpu-status" className="text-zinc-400">
            {tf('gpu.ready')} <span className="font-mono">{gpu.adapter || tf('gpu.unknownAdapter')}</span>
            {tuning && (
              <span data-testid="kernel-tuning" title={Object.entries(tuning.choice).map(([k, v]) => `${k}: ${v}`).join(', ')}>
                {' '}
                ·{' '}
                {tuning.source === 'background'
                  ? tf('gpu.background', { percent: formatNumber(tuning.done ?? 0, { style: 'percent', maximumFractionDigits: 0 }) })
                  : tf('gpu.kernels', {
                      how: tuning.source === 'tuned' ? tf('gpu.tuned', { seconds: formatNumber(tuning.ms / 1000, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) }) : tuning.source === 'cache' ? tf('gpu.cached') : tf('gpu.fixed'),
                      summary: kernelSummary(tuning.choice),
                    })}
              </span>
            )}
          </p>
        )}
        {gpu.state === 'cpu' && (
          <p data-testid="gpu-status" className="text-amber-300">
            {tf('gpu.cpu')}
          </p>
        )}
        {gpu.state === 'error' && (
          <p data-testid="gpu-status" role="alert" className="text-red-400">
            {render(gpu.message)}
          </p>
        )}
      </section>
      {gpu.state === 'cpu' && <NoWebGpu reason={gpu.reason} message={gpu.message} />}
    </header>
  );
}

/** 'matmul direct16x4, direct64x1; attention plain': the distinct matmul variants, then the attention forward's. */
function kernelSummary(choice: Record<string, string>): string {
  const { attention } = choice;
  // The matmul classes' variants ('weights' is the decoder's, shown in the Write tab).
  const matmul = Object.entries(choice).flatMap(([k, v]) => (k === 'attention' || k === 'weights' ? [] : [v]));
  const mm = tr('frame:gpu.matmul', { variants: [...new Set(matmul)].join(', ') || tr('frame:gpu.default') });
  return attention ? `${mm}; ${tr('frame:gpu.attention', { variant: attention })}` : mm;
}
