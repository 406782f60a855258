import { formatNumber, useTranslation } from '../i18n';
import { useStore } from '../store';

/** Megabytes with one decimal, in the current language's number format. */
export const MB = (bytes: number) => formatNumber(bytes / 1e6, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** "Loading the model… 1.2 / 3.3 MB" with a bar, while a model downloads (bytes streamed by the worker). */
export function LoadProgress() {
  const { t } = useTranslation('frame');
  const p = useStore((s) => s.modelProgress);
  const total = p?.total;
  return (
    <span className="inline-flex items-center gap-2" data-testid="load-progress">
      {t('load.loading')}
      {p && p.loaded > 0 && (
        <>
          <span className="font-mono text-xs">{total ? t('load.mb', { loaded: MB(p.loaded), total: MB(total) }) : t('load.mbOnly', { loaded: MB(p.loaded) })}</span>
          {total && (
            <progress className="h-1.5 w-24 accent-emerald-500" max={total} value={p.loaded} aria-label={t('load.progressLabel')}>
              {formatNumber(p.loaded / total, { style: 'percent', maximumFractionDigits: 0 })}
            </progress>
          )}
        </>
      )}
    </span>
  );
}
