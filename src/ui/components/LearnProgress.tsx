import { formatNumber, useTranslation } from '../i18n';
import { useStore } from '../store';

/** Learning a vocabulary from the text: the phase, a bar, and Cancel (the text stays as it was). */
export function LearnProgress() {
  const { t } = useTranslation('bpe');
  const p = useStore((s) => s.learnProgress);
  const { cancelLearning } = useStore.getState();
  if (!p) return null;
  const percent = Math.floor((100 * p.done) / Math.max(p.total, 1));
  const words =
    p.phase === 'merging' ? t('phase.merging', { done: formatNumber(p.done), total: formatNumber(p.total) }) : p.phase === 'counting' ? t('phase.counting', { percent }) : t('phase.encoding', { percent });
  return (
    <div data-testid="learn-progress" data-phase={p.phase} className="space-y-1 rounded border border-zinc-800 bg-zinc-900/50 p-3 text-sm">
      <p className="font-medium">{t('learning')}</p>
      <div className="flex items-center gap-2">
        <div className="h-1.5 flex-1 overflow-hidden rounded bg-zinc-800" role="progressbar" aria-label={t('progressLabel')} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={words}>
          <div className="h-full bg-sky-500" style={{ width: `${percent}%` }} />
        </div>
        <button onClick={cancelLearning} className="rounded border border-zinc-700 px-3 py-0.5 hover:bg-zinc-800">
          {t('cancel')}
        </button>
      </div>
      <p className="text-xs text-zinc-400">{words}</p>
    </div>
  );
}
