import { formatNumber, t, useTranslation } from '../i18n';
import { useStore } from '../store';

function duration(sec: number): string {
  if (!Number.isFinite(sec)) return '—';
  const s = Math.round(sec);
  return s >= 3600
    ? t('train:controls.hours', { h: formatNumber(Math.floor(s / 3600)), min: formatNumber(Math.round((s % 3600) / 60)) })
    : s >= 60
      ? t('train:controls.minutes', { min: formatNumber(Math.floor(s / 60)), s: formatNumber(s % 60) })
      : t('train:controls.seconds', { s: formatNumber(s) });
}

/** Start / Pause / Resume / Stop, the model's name, and where the run is. */
export function TrainControls() {
  const status = useStore((s) => s.trainStatus);
  const progress = useStore((s) => s.progress);
  // A recipe the worker would refuse (recipeProblems, plan.problem) disables Start; RecipeForm says why (#plan-problem).
  const blocked = useStore((s) => s.recipeProblems.length > 0 || !!s.plan?.problem);
  const ready = useStore((s) => !!s.corpus && !!s.recipe && !s.corpusBusy && s.gpu.state === 'ready') && !blocked;
  const name = useStore((s) => s.trainName);
  const result = useStore((s) => s.trainResult);
  const savedStep = useStore((s) => s.savedStep);
  const { startTraining, pauseTraining, resumeTraining, stopTraining, setTrainName } = useStore.getState();
  const btn = 'rounded px-4 py-1.5 font-medium disabled:opacity-40';
  useTranslation('train'); // re-render on a language switch

  const eta = progress && progress.step > 0 ? ((progress.total - progress.step) * progress.elapsedMs) / progress.step / 1000 : NaN;
  return (
    <div className="space-y-2 text-sm">
      <label className="flex items-center gap-2">
        <span className="shrink-0 text-zinc-400">{t('train:controls.name')}</span>
        <input aria-label={t('train:controls.name')} value={name} onChange={(e) => setTrainName(e.target.value)} className="min-w-0 flex-1 rounded border border-zinc-700 bg-zinc-900 px-2 py-0.5" placeholder={t('train:controls.namePlaceholder')} />
      </label>
      <div className="flex flex-wrap items-center gap-2">
        {status === 'idle' ? (
          <button className={`${btn} bg-emerald-700`} disabled={!ready} aria-describedby={blocked ? 'plan-problem' : undefined} onClick={() => void startTraining()}>
            {t('train:controls.start')}
          </button>
        ) : (
          <>
            {status === 'paused' ? (
              <button className={`${btn} bg-emerald-700`} onClick={resumeTraining}>
                {t('train:controls.resume')}
              </button>
            ) : (
              <button className={`${btn} bg-zinc-700`} disabled={status !== 'running'} onClick={pauseTraining}>
                {t('train:controls.pause')}
              </button>
            )}
            <button className={`${btn} bg-red-700`} disabled={status === 'stopping' || status === 'starting'} onClick={stopTraining}>
              {t('train:controls.stop')}
            </button>
          </>
        )}
        <span data-testid="train-status" className="text-zinc-400">
          {status === 'starting' && t('train:controls.starting')}
          {status === 'paused' && t('train:controls.paused')}
          {status === 'stopping' && t('train:controls.stopping')}
          {status === 'idle' && result && t('train:controls.done', { steps: formatNumber(result.steps), reason: t(`train:controls.reason.${result.reason}`), name: result.model.name })}
        </span>
        {savedStep !== undefined && (
          <span data-testid="saved-step" className="text-zinc-400">
            {t('train:controls.saved', { step: formatNumber(savedStep) })}
          </span>
        )}
      </div>
      {progress && (
        <p data-testid="train-progress" className="font-mono text-xs text-zinc-300">
          {t('train:controls.progress', {
            step: formatNumber(progress.step),
            total: formatNumber(progress.total),
            loss: formatNumber(progress.loss, { minimumFractionDigits: 4, maximumFractionDigits: 4 }),
            rate: formatNumber(Math.round(progress.tokensPerSec)),
            lr: formatNumber(progress.lr, { notation: 'scientific', minimumFractionDigits: 2, maximumFractionDigits: 2 }).toLowerCase(),
            eta: status === 'idle' ? '—' : duration(eta),
          })}
        </p>
      )}
      {progress && (
        <div className="h-1.5 overflow-hidden rounded bg-zinc-800" role="progressbar" aria-label={t('train:controls.progressLabel')} aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.step}>
          <div className="h-full bg-emerald-500" style={{ width: `${(100 * progress.step) / progress.total}%` }} />
        </div>
      )}
    </div>
  );
}
