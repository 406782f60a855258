import { useStore } from '../store';

const MB = (bytes: number) => (bytes / 1e6).toFixed(1);

/** "Loading the model… 1.2 / 3.3 MB" with a bar, while a model downloads (bytes streamed by the worker). */
export function LoadProgress() {
  const p = useStore((s) => s.modelProgress);
  const total = p?.total;
  return (
    <span className="inline-flex items-center gap-2" data-testid="load-progress">
      Loading the model…
      {p && p.loaded > 0 && (
        <>
          <span className="font-mono text-xs">{total ? `${MB(p.loaded)} / ${MB(total)} MB` : `${MB(p.loaded)} MB`}</span>
          {total && (
            <progress className="h-1.5 w-24 accent-emerald-500" max={total} value={p.loaded} aria-label="model download">
              {Math.round((100 * p.loaded) / total)}%
            </progress>
          )}
        </>
      )}
    </span>
  );
}
