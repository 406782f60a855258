/**
 * The attention explorer: layer and head pickers (or the mean of heads), a Token slider that steps
 * through prompt + output, the main heatmap, the next-token candidates of the selected position,
 * and every layer × head at a glance.
 */
import { useTranslation } from '../i18n';
import { useStore } from '../store';
import { MEAN_HEAD } from '../store/attention';
import { AttentionMap } from './AttentionMap';
import { AttentionOverview } from './AttentionOverview';
import { tokenLabel } from './AttentionPaint';
import { Candidates } from './Candidates';

export function AttentionExplorer() {
  const model = useStore((s) => s.model);
  const view = useStore((s) => s.view);
  const N = useStore((s) => s.attention.positions.length);
  const labels = useStore((s) => s.attention.labels);
  const selectedPos = useStore((s) => s.selectedPos);
  const { setView, selectPosition: select } = useStore.getState();
  const { t } = useTranslation('write');
  if (!model) return null;
  const layer = Math.min(view.layer, model.n_layer - 1);
  const head = Math.min(view.head, model.n_head - 1);
  const sel = selectedPos ?? N - 1;
  return (
    <section className="rounded-lg border border-zinc-800 p-4" aria-label={t('explorer.label')}>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm">
        <h2 className="font-medium">{t('explorer.heading')}</h2>
        <IndexSelect label={t('explorer.layer')} count={model.n_layer} value={layer} onChange={(l) => setView({ layer: l })} />
        <IndexSelect label={t('explorer.head')} count={model.n_head} value={head} onChange={(h) => setView({ head: h })} extra={{ value: MEAN_HEAD, label: t('explorer.meanOfHeads') }} />
        <label className="flex min-w-[14rem] flex-1 items-center gap-2">
          {t('explorer.token')}
          <input
            type="range"
            aria-label={t('explorer.token')}
            aria-valuetext={N > 0 ? t('explorer.position', { pos: sel, token: tokenLabel(labels[sel] ?? '') }) : undefined}
            className="flex-1 accent-sky-400"
            min={0}
            max={Math.max(0, N - 1)}
            value={Math.max(0, sel)}
            disabled={N === 0}
            onChange={(e) => select(Number(e.target.value))}
          />
          <span className="w-24 truncate font-mono text-xs text-zinc-400" aria-live="polite">
            {N > 0 ? `${sel}: ${tokenLabel(labels[sel] ?? '')}` : '—'}
          </span>
        </label>
        {selectedPos !== null && (
          <button type="button" className="text-xs text-sky-300 underline" onClick={() => select(null)}>
            {t('explorer.followNewest')}
          </button>
        )}
      </div>
      <div className="mt-3 grid gap-4 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <AttentionMap />
        <div className="flex min-w-0 flex-col gap-4">
          <Candidates />
          <AttentionOverview />
        </div>
      </div>
    </section>
  );
}

/** A labelled select of 0 .. count-1, with an optional extra choice first (the mean of heads). */
function IndexSelect(props: { label: string; count: number; value: number; onChange(v: number): void; extra?: { value: number; label: string } }) {
  const { label, count, value, onChange, extra } = props;
  return (
    <label className="flex items-center gap-1.5">
      {label}
      <select aria-label={label} className="rounded border border-zinc-700 bg-zinc-900 px-1.5 py-0.5" value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {extra && <option value={extra.value}>{extra.label}</option>}
        {Array.from({ length: count }, (_, i) => (
          <option key={i} value={i}>
            {i}
          </option>
        ))}
      </select>
    </label>
  );
}
