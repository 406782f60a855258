import { formatNumber, useTranslation } from '../i18n';
import { useStore } from '../store';

/**
 * On the Train tab, while nothing trains: the runs saved in this browser with steps left, each
 * with "Resume training" (the same as the Models tab's row button).
 */
export function ResumeOffer() {
  const models = useStore((s) => s.library.models);
  const idle = useStore((s) => s.trainStatus === 'idle' && !s.modelLoading && s.gpu.state === 'ready');
  const { resumeSavedTraining: resume } = useStore.getState();
  const { t } = useTranslation('train');
  const runs = models.filter((m) => m.resumable);
  if (!idle || runs.length === 0) return null;
  return (
    <div className="space-y-1 rounded border border-zinc-800 p-2 text-sm" data-testid="resume-offer">
      <p className="text-xs text-zinc-400">{t('resume.intro')}</p>
      <ul className="space-y-1">
        {runs.slice(0, 3).map((m) => (
          <li key={m.id} className="flex items-center gap-2">
            <span className="min-w-0 flex-1 truncate">
              {m.name} <span className="text-xs text-zinc-400">{t('resume.at', { step: formatNumber(m.step ?? 0), total: formatNumber(m.totalSteps ?? 0) })}</span>
            </span>
            <button className="rounded border border-zinc-700 px-3 py-0.5 hover:bg-zinc-800" onClick={() => void resume(m.id)}>
              {t('resume.button')}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
