/**
 * A vector as a colour strip: one cell per channel (downsampled with max |x| past MAX_CELLS), blue
 * negative, orange positive, scaled to `scale` (default the vector's own max |x|); and the panel
 * frame the view's stages share.
 */
import { useMemo, type ReactNode } from 'react';
import { divergingRgb, downsampleMaxAbs, fmt, maxAbs, norm } from './numbers';
import { formatNumber, useTranslation } from '../../i18n';

const MAX_CELLS = 192;

export function Strip(props: { values: ArrayLike<number>; scale?: number; label: string; testId?: string }) {
  const { t } = useTranslation('how');
  const { values, label, testId } = props;
  const scale = props.scale ?? maxAbs(values);
  // A hard-stop CSS gradient, one stop pair per cell: a canvas per strip costs a context each
  // (tens of ms apiece where canvases are GPU-backed), a gradient only a style string.
  const background = useMemo(() => {
    const cells = downsampleMaxAbs(values, MAX_CELLS);
    const w = 100 / cells.length;
    const stops = Array.from(cells, (x, i) => `rgb(${divergingRgb(scale > 0 ? x / scale : 0).join(',')}) ${(i * w).toFixed(3)}% ${((i + 1) * w).toFixed(3)}%`);
    return `linear-gradient(to right, ${stops.join(', ')})`;
  }, [values, scale]);
  const n = norm(values);
  return (
    <figure className="min-w-0" data-testid={testId} data-norm={n}>
      <figcaption className="flex justify-between gap-2 text-xs text-zinc-400">
        <span className="truncate">{label}</span>
        <span className="shrink-0 font-mono tabular-nums">
          {t('norm')} {fmt(n, 2)} · {formatNumber(values.length)}
        </span>
      </figcaption>
      <div className="mt-0.5 h-3 w-full rounded-sm" style={{ background }} aria-label={t('strip', { label, n: formatNumber(values.length), norm: fmt(n, 2) })} role="img" />
    </figure>
  );
}

/** One stage of the view: heading, two or three sentences, then its numbers. */
export function Panel(props: { title: string; explain: string; testId?: string; children: ReactNode; level?: 2 | 3; className?: string }) {
  const H = props.level === 3 ? 'h4' : 'h3';
  return (
    <section aria-label={props.title} data-testid={props.testId} className={`min-w-0 ${props.level === 3 ? 'border-t border-zinc-800 pt-3' : 'rounded-lg border border-zinc-800 p-4'} ${props.className ?? ''}`}>
      <H className={props.level === 3 ? 'text-sm font-medium text-zinc-200' : 'font-medium'}>{props.title}</H>
      <p className="mt-1 max-w-prose text-sm text-zinc-400">{props.explain}</p>
      <div className="mt-3 grid gap-2">{props.children}</div>
    </section>
  );
}
