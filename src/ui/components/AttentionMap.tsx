/**
 * The main attention map of one layer and head (or their mean): row i = the query at position i,
 * column j = how much it attends to position j (causal: j <= i; once the context passes the block
 * size, only the recent window). Tokens label both axes; hover a cell for its weight, click to pin
 * it (click again or Esc unpins). By keyboard the map's box takes focus: arrow keys move a cell
 * cursor (Home/End: the row's first and last key; Enter pins), drawn as the hover outline, and the
 * cell's words are announced through a live region.
 *
 * The heatmap canvas is a Raster at one pixel per cell, scaled up by CSS: a streamed token paints
 * one row of pixels. Labels sit on two strips beside it, redrawn when the rows change; the selected
 * row and the hovered cell are outlines laid over it. Nothing redraws the whole map but a change of
 * layer or head (at GPT-2's 1024 positions the map is 3072 px a side).
 */
import { useEffect, useEffectEvent, useRef, useState } from 'react';
import { formatNumber, useTranslation } from '../i18n';
import { useStore } from '../store';
import { MEAN_HEAD } from '../store/attention';
import { LEGEND_GRADIENT, Raster, rasterSize, rowWeights, tokenLabel } from './AttentionPaint';

/** Room (CSS px) for the labels on the left and top. */
const M = 48;

/** Cell size for N positions: large enough to read for short texts, small enough to scroll for 1024. */
function cellSize(N: number): number {
  return N <= 24 ? 18 : N <= 48 ? 12 : N <= 96 ? 9 : N <= 256 ? 5 : 3;
}

/** The cell sizes (CSS px) the zoom buttons step through. */
const ZOOMS = [2, 3, 5, 9, 12, 18, 24, 32];

interface Cell {
  i: number;
  j: number;
}

/**
 * Token labels along one edge: every token when cells are tall enough to read, else every k-th.
 * The strip is as long as the raster's power-of-two rows and a trace's labels only grow, so a
 * streamed token draws its own label only; a new trace, cell size or strip length redraws them all.
 */
class LabelStrip {
  private labels?: string[];
  private cell = 0;
  private drawn = 0;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly axis: 'left' | 'top',
  ) {}

  update(labels: string[], N: number, cell: number): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const long = rasterSize(N) * cell;
    const [w, h] = this.axis === 'left' ? [M, long] : [long, M];
    const g = c.getContext('2d')!;
    if (labels !== this.labels || cell !== this.cell || N < this.drawn || c.width !== Math.ceil(w * dpr) || c.height !== Math.ceil(h * dpr)) {
      c.width = Math.ceil(w * dpr); // clears it
      c.height = Math.ceil(h * dpr);
      c.style.width = `${w}px`;
      c.style.height = `${h}px`;
      Object.assign(this, { labels, cell, drawn: 0 });
    }
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = '#a1a1aa';
    g.font = `${Math.min(11, Math.max(8, cell - 2))}px ui-monospace, monospace`;
    g.textBaseline = 'middle';
    const every = Math.max(1, Math.ceil(10 / cell));
    for (let i = Math.ceil(this.drawn / every) * every; i < N; i += every) {
      const label = tokenLabel(labels[i] ?? '').slice(0, 5);
      if (this.axis === 'left') {
        g.textAlign = 'right';
        g.fillText(label, M - 4, (i + 0.5) * cell);
      } else {
        g.save();
        g.translate((i + 0.5) * cell, M - 4);
        g.rotate(-Math.PI / 2);
        g.textAlign = 'left';
        g.fillText(label, 0, 0);
        g.restore();
      }
    }
    this.drawn = N;
  }
}

const zoomBtn = 'rounded border border-zinc-700 px-2 py-0.5 hover:bg-zinc-800 disabled:opacity-40';

export function AttentionMap() {
  const { t } = useTranslation('write');
  const attention = useStore((s) => s.attention);
  const view = useStore((s) => s.view);
  const selectedPos = useStore((s) => s.selectedPos);
  const NH = useStore((s) => s.model?.n_head ?? 1);
  const heat = useRef<HTMLCanvasElement>(null);
  const left = useRef<HTMLCanvasElement>(null);
  const top = useRef<HTMLCanvasElement>(null);
  const raster = useRef<Raster>(undefined);
  const strips = useRef<LabelStrip[]>([]);
  const scroller = useRef<HTMLDivElement>(null);
  // The cell size the user zoomed to; undefined: by the number of rows (cellSize).
  const [zoom, setZoom] = useState<number>();
  const [hover, setHover] = useState<Cell>();
  const [pinned, setPinned] = useState<Cell>();
  // The keyboard's cell, while the map has focus.
  const [cursor, setCursor] = useState<Cell>();
  const { t: ta } = useTranslation('a11y');
  const N = attention.positions.length;
  const cell = zoom ?? cellSize(N);
  const sel = selectedPos ?? N - 1;
  const shown = pinned ?? hover ?? cursor;

  // New rows (or all rows after a change of layer or head) into the heat canvas.
  useEffect(() => {
    if (!heat.current) return;
    if (raster.current?.canvas !== heat.current) raster.current = new Raster(heat.current);
    raster.current.update(attention.positions, view.layer, view.head, NH);
  }, [attention, view.layer, view.head, NH]);

  // The labels of new rows (all of them when the trace or the cell size changes).
  useEffect(() => {
    if (!left.current || !top.current) return;
    if (strips.current[0]?.canvas !== left.current || strips.current[1]?.canvas !== top.current) strips.current = [new LabelStrip(left.current, 'left'), new LabelStrip(top.current, 'top')];
    for (const s of strips.current) s.update(attention.labels, N, cell);
  }, [attention.labels, N, cell]);
  // A zoom keeps the selected row's last cell (its diagonal) in the middle of the view. Only when
  // the zoom changes (an effect event reads the selection without depending on it): following the
  // selection otherwise is the user's scrolling.
  const centreSelection = useEffectEvent((z: number) => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTop = Math.max(0, M + (sel + 0.5) * z - el.clientHeight / 2);
    el.scrollLeft = Math.max(0, M + (sel + 0.5) * z - el.clientWidth / 2);
  });
  useEffect(() => {
    if (zoom !== undefined) centreSelection(zoom);
  }, [zoom]);

  useEffect(() => {
    if (!pinned) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setPinned(undefined);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [pinned]);

  // The keyboard's cell stays in view (no smooth scrolling: it follows the key at once).
  useEffect(() => {
    const el = scroller.current;
    if (!el || !cursor) return;
    const [x, y] = [M + cursor.j * cell, M + cursor.i * cell];
    if (x < el.scrollLeft + M) el.scrollLeft = x - M;
    else if (x + cell > el.scrollLeft + el.clientWidth) el.scrollLeft = x + cell - el.clientWidth;
    if (y < el.scrollTop + M) el.scrollTop = y - M;
    else if (y + cell > el.scrollTop + el.clientHeight) el.scrollTop = y + cell - el.clientHeight;
  }, [cursor, cell]);

  /** The keys row i attends to: [start, i] (the recent window once the context passes the block size). */
  const keysOf = (i: number): [number, number] => [rowWeights(attention.positions[i], i, view.layer, view.head, NH)?.start ?? 0, i];
  const onKey = (e: React.KeyboardEvent<HTMLDivElement>) => {
    if (e.target !== e.currentTarget || N === 0) return;
    const at = cursor ?? { i: sel, j: sel };
    let { i, j } = at;
    if (e.key === 'ArrowUp') i = Math.max(0, i - 1);
    else if (e.key === 'ArrowDown') i = Math.min(N - 1, i + 1);
    else if (e.key === 'ArrowLeft') j -= 1;
    else if (e.key === 'ArrowRight') j += 1;
    else if (e.key === 'Home') j = keysOf(i)[0];
    else if (e.key === 'End') j = i;
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      setPinned((p) => (p ? undefined : at));
      return;
    } else return;
    e.preventDefault(); // the arrows move the cursor, not the scroll box
    const [start, end] = keysOf(i);
    setCursor({ i, j: Math.min(end, Math.max(start, j)) });
  };

  const cellAt = (e: React.MouseEvent<HTMLCanvasElement>): Cell | undefined => {
    const r = e.currentTarget.getBoundingClientRect();
    const i = Math.floor((e.clientY - r.top) / cell);
    const j = Math.floor((e.clientX - r.left) / cell);
    const w = rowWeights(attention.positions[i], i, view.layer, view.head, NH);
    if (!w || j < w.start || j > i) return undefined;
    return { i, j };
  };

  if (N === 0) return <p className="text-sm text-zinc-400">{t('map.empty')}</p>;
  const weight = shown && rowWeights(attention.positions[shown.i], shown.i, view.layer, view.head, NH);
  const wv = shown && weight ? weight.w[shown.j - weight.start]! : undefined;
  const headName = view.head === MEAN_HEAD ? t('explorer.meanOfHeads') : t('map.headN', { head: view.head });
  // The raster's canvas holds a power of two of rows; CSS scales it and the box clips it to N.
  const cap = rasterSize(N);
  const side = N * cell;
  const cursorWeight = cursor && rowWeights(attention.positions[cursor.i], cursor.i, view.layer, view.head, NH);
  const cursorText =
    cursor && cursorWeight
      ? ta('heatmap.cell', {
          query: cursor.i,
          queryToken: tokenLabel(attention.labels[cursor.i] ?? ''),
          key: cursor.j,
          keyToken: tokenLabel(attention.labels[cursor.j] ?? ''),
          weight: (cursorWeight.w[cursor.j - cursorWeight.start] ?? 0).toFixed(3),
        })
      : '';
  return (
    <div className="min-w-0">
      <div
        ref={scroller}
        tabIndex={0}
        role="application"
        aria-label={ta('heatmap.label')}
        data-testid="attention-keyboard"
        onKeyDown={onKey}
        onFocus={(e) => e.target === e.currentTarget && e.currentTarget.matches(':focus-visible') && setCursor((c) => (c && c.i < N ? c : { i: sel, j: sel }))}
        onBlur={() => setCursor(undefined)}
        className="relative max-h-[36rem] overflow-auto rounded border border-zinc-800 bg-zinc-950"
      >
        <div className="relative" style={{ width: M + side, height: M + side }}>
          <div className="absolute overflow-hidden" style={{ left: M, top: 0, width: side, height: M }}>
            <canvas ref={top} aria-hidden className="block" style={{ maxWidth: 'none' }} />
          </div>
          <div className="absolute overflow-hidden" style={{ left: 0, top: M, width: M, height: side }}>
            <canvas ref={left} aria-hidden className="block" style={{ maxWidth: 'none' }} />
          </div>
          <div className="absolute overflow-hidden" style={{ left: M, top: M, width: side, height: side }}>
            <canvas
              ref={heat}
              role="img"
              aria-label={t('map.label')}
              aria-description={t('map.description', { layer: view.layer, head: headName, rows: N, selected: sel })}
              data-testid="attention-map"
              data-rows={N}
              data-cell={cell}
              data-layer={view.layer}
              data-head={view.head}
              data-selected-row={sel}
              className="block cursor-crosshair [image-rendering:pixelated]"
              style={{ width: cap * cell, height: cap * cell, maxWidth: 'none' }}
              onMouseMove={(e) => setHover(cellAt(e))}
              onMouseLeave={() => setHover(undefined)}
              onClick={(e) => {
                const c = cellAt(e);
                setPinned((p) => (p || !c ? undefined : c));
              }}
            />
          </div>
          {sel >= 0 && sel < N && <div className="pointer-events-none absolute border-2 border-sky-400" style={{ left: M - 2, top: M + sel * cell - 2, width: side + 4, height: cell + 4 }} />}
          {shown && (
            <div
              className={`pointer-events-none absolute border-2 ${pinned ? 'border-pink-400' : 'border-zinc-50'}`}
              style={{ left: M + shown.j * cell - 1, top: M + shown.i * cell - 1, width: cell + 2, height: cell + 2 }}
            />
          )}
          {shown && wv !== undefined && (
            <div
              role="tooltip"
              data-query={shown.i}
              data-key={shown.j}
              data-weight={wv.toFixed(3)}
              className="pointer-events-none absolute z-10 rounded border border-zinc-600 bg-zinc-900/95 px-2 py-1 font-mono text-xs shadow-lg"
              style={{ left: Math.max(0, Math.min(M + (shown.j + 1) * cell + 6, M + side - 140)), top: M + (shown.i + 1) * cell + 6 }}
            >
              <div>
                {t('map.query')} <b>{shown.i}</b> “{tokenLabel(attention.labels[shown.i] ?? '')}” → {t('map.key')} <b>{shown.j}</b> “{tokenLabel(attention.labels[shown.j] ?? '')}”
              </div>
              <div>
                {t('map.weight')} <b className="text-amber-300">{formatNumber(wv, { minimumFractionDigits: 3, maximumFractionDigits: 3 })}</b>
                {pinned && <span className="ml-2 text-pink-400">{t('map.pinned')}</span>}
              </div>
            </div>
          )}
        </div>
      </div>
      <p className="sr-only" aria-live="polite" data-testid="attention-live">
        {cursorText}
      </p>
      <div className="mt-2 flex flex-wrap items-center gap-2 text-xs text-zinc-400">
        <div className="flex items-center gap-2" aria-label={t('map.legend')}>
          <span>0</span>
          <span className="h-2.5 w-40 rounded-sm" style={{ background: LEGEND_GRADIENT }} />
          <span>1</span>
          <span className="ml-2">{t('map.scale')}</span>
        </div>
        <div className="ml-auto flex items-center gap-1" role="group" aria-label={t('map.zoom')}>
          <button type="button" aria-label={t('map.zoomOut')} className={zoomBtn} disabled={cell <= ZOOMS[0]!} onClick={() => setZoom([...ZOOMS].reverse().find((z) => z < cell) ?? ZOOMS[0])}>
            −
          </button>
          <span className="w-12 text-center" data-testid="zoom">
            {t('map.px', { px: cell })}
          </span>
          <button type="button" aria-label={t('map.zoomIn')} className={zoomBtn} disabled={cell >= ZOOMS.at(-1)!} onClick={() => setZoom(ZOOMS.find((z) => z > cell) ?? ZOOMS.at(-1))}>
            +
          </button>
          <button type="button" className={zoomBtn} disabled={zoom === undefined} onClick={() => setZoom(undefined)} title={t('map.fitHelp')}>
            {t('map.fit')}
          </button>
        </div>
      </div>
    </div>
  );
}
