import { useStore } from '../store';

function duration(sec: number): string {
  if (!Number.isFinite(sec)) return '—';
  const s = Math.round(sec);
  return s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
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

  const eta = progress && progress.step > 0 ? ((progress.total - progress.step) * progress.elapsedMs) / progress.step / 1000 : NaN;
  return (
    <div className="space-y-2 text-sm">
      <label className="flex items-center gap-2">
        <span className="text-zinc-400">Model name</span>
        <input aria-label="Model name" value={name} onChange={(e) => setTrainName(e.target.value)} className="flex-1 rounded border border-zinc-700 bg-zinc-900 px-2 py-0.5" placeholder="named after the text" />
      </label>
      <div className="flex flex-wrap items-center gap-2">
        {status === 'idle' ? (
          <button className={`${btn} bg-emerald-700`} disabled={!ready} aria-describedby={blocked ? 'plan-problem' : undefined} onClick={() => void startTraining()}>
            Start training
          </button>
        ) : (
          <>
            {status === 'paused' ? (
              <button className={`${btn} bg-emerald-700`} onClick={resumeTraining}>
                Resume
              </button>
            ) : (
              <button className={`${btn} bg-zinc-700`} disabled={status !== 'running'} onClick={pauseTraining}>
                Pause
              </button>
            )}
            <button className={`${btn} bg-red-700`} disabled={status === 'stopping' || status === 'starting'} onClick={stopTraining}>
              Stop training
            </button>
          </>
        )}
        <span data-testid="train-status" className="text-zinc-400">
          {status === 'starting' && 'Building the model and compiling shaders…'}
          {status === 'paused' && 'Paused.'}
          {status === 'stopping' && 'Stopping after this step…'}
          {status === 'idle' && result && `Done: ${result.steps} steps (${result.reason}). “${result.model.name}” now generates — try it under Write.`}
        </span>
        {savedStep !== undefined && (
          <span data-testid="saved-step" className="text-zinc-400">
            Saved in this browser at step {savedStep}
          </span>
        )}
      </div>
      {progress && (
        <p data-testid="train-progress" className="font-mono text-xs text-zinc-300">
          step {progress.step} / {progress.total} · loss {progress.loss.toFixed(4)} · {Math.round(progress.tokensPerSec).toLocaleString('en-US')} tokens/s · lr {progress.lr.toExponential(2)} · ETA{' '}
          {status === 'idle' ? '—' : duration(eta)}
        </p>
      )}
      {progress && (
        <div className="h-1.5 overflow-hidden rounded bg-zinc-800" role="progressbar" aria-label="Training progress" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.step}>
          <div className="h-full bg-emerald-500" style={{ width: `${(100 * progress.step) / progress.total}%` }} />
        </div>
      )}
    </div>
  );
}
