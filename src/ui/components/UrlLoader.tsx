import { useState } from 'react';
import { render, t as tr, useTranslation } from '../i18n';
import { useStore } from '../store';
import { MB } from './LoadProgress';

/** "Model URL" + "Load from URL": a Hugging Face id or a folder URL, with MB progress and Cancel. */
export function UrlLoader() {
  const [source, setSource] = useState('');
  const loading = useStore((s) => s.modelLoading);
  const urlLoading = useStore((s) => s.urlLoading);
  const progress = useStore((s) => s.modelProgress);
  const status = useStore((s) => s.messages.load?.text);
  const { t } = useTranslation('write');
  const blocked = useStore((s) => s.generating || s.trainStatus !== 'idle');
  const { loadModelFromSource, cancelModelLoad } = useStore.getState();
  const downloading = urlLoading && progress !== undefined;
  return (
    <div className="space-y-2">
      <form
        className="flex flex-wrap items-center gap-2 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          if (source.trim()) void loadModelFromSource(source);
        }}
      >
        <label htmlFor="model-url" className="text-zinc-300">
          {t('url.label')}
        </label>
        <input
          id="model-url"
          value={source}
          onChange={(e) => setSource(e.target.value)}
          placeholder={t('url.placeholder')}
          className="min-w-64 flex-1 rounded border border-zinc-700 bg-zinc-900 px-2 py-1"
          spellCheck={false}
        />
        <button type="submit" disabled={loading || blocked || !source.trim()} className="rounded border border-zinc-700 px-3 py-1 hover:bg-zinc-800 disabled:opacity-40">
          {t('url.load')}
        </button>
        {downloading && (
          <button type="button" onClick={() => void cancelModelLoad()} className="rounded border border-zinc-700 px-3 py-1 hover:bg-zinc-800">
            {t('url.cancel')}
          </button>
        )}
      </form>
      {downloading && (
        <div className="flex items-center gap-2 text-xs text-zinc-400" data-testid="url-progress">
          <progress className="h-1.5 w-48 accent-emerald-500" max={progress.total ?? 1} value={progress.total ? progress.loaded : undefined} aria-label={t('url.progress')} />
          <span className="font-mono">{progress.total ? tr('frame:load.mb', { loaded: MB(progress.loaded), total: MB(progress.total) }) : tr('frame:load.mbOnly', { loaded: MB(progress.loaded) })}</span>
        </div>
      )}
      {status && !loading && (
        <p className="text-xs text-zinc-400" data-testid="url-status">
          {render(status)}
        </p>
      )}
      <p className="text-xs text-zinc-400">
        {t('url.help')}
      </p>
    </div>
  );
}
