/**
 * Every layer × head as a small map (BertViz's model view). Click one to show it in the main map.
 *
 * All thumbnails are one canvas: each is a MaxPool of its layer/head (64×64 at any length) painted
 * into one image, with a button laid over each for the click, the focus and the accessible name.
 * Each streamed row is pooled once per head as it arrives; the image is repainted at most every
 * PAINT_MS while tokens stream (144 heads × 4096 pixels a paint: a paint per token took a tenth of
 * the main thread at GPT-2's 12 × 12), and at once when the stream pauses.
 */
import { useEffect, useRef } from 'react';
import { useTranslation } from '../i18n';
import { useStore } from '../store';
import type { PositionTrace } from '../../workers/api';
import { MaxPool, putWeight, rowWeights } from './AttentionPaint';

const THUMB = 44; // CSS px a thumbnail
const GAP = 4; // CSS px between thumbnails
const S = 64; // pooled pixels a thumbnail side
const PX = S + Math.round((GAP * S) / THUMB); // canvas pixels a thumbnail's cell, gap included
const PAINT_MS = 200;

/** The pooled maps of every layer and head of one trace, and how many rows they have read. */
interface Pools {
  positions?: PositionTrace[];
  NH: number;
  pools: MaxPool[]; // [layer * NH + head]
  drawn: number;
  /** The whole overview's pixels, reused from frame to frame (a new trace starts a new one). */
  img?: ImageData;
  /** When the image was last painted, and the paint waiting for PAINT_MS to pass. */
  paintedAt: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** Paints every pool's used n×n pixels, scaled up to S×S (nearest), at its cell of the canvas. */
function paint(c: HTMLCanvasElement, st: Pools, L: number, NH: number, N: number): void {
  st.paintedAt = performance.now();
  if (c.width !== NH * PX || c.height !== L * PX) {
    c.width = NH * PX;
    c.height = L * PX;
  }
  const g = c.getContext('2d')!;
  if (st.img?.width !== c.width || st.img.height !== c.height) st.img = g.createImageData(c.width, c.height);
  const img = st.img;
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < NH; h++) {
      const pool = st.pools[l * NH + h]!;
      const n = N > 0 ? pool.used(N) : 0;
      if (n === 0) continue;
      const [x0, y0] = [h * PX, l * PX];
      for (let y = 0; y < S; y++) {
        const src = Math.floor((y * n) / S) * S;
        const dst = ((y0 + y) * c.width + x0) * 4;
        for (let x = 0; x < S; x++) {
          const w = pool.grid[src + Math.floor((x * n) / S)]!;
          if (w >= 0) putWeight(img.data, dst + 4 * x, w);
        }
      }
    }
  }
  g.putImageData(img, 0, 0);
}

export function AttentionOverview() {
  const { t } = useTranslation('write');
  const L = useStore((s) => s.model?.n_layer ?? 0);
  const NH = useStore((s) => s.model?.n_head ?? 0);
  const attention = useStore((s) => s.attention);
  const view = useStore((s) => s.view);
  const { setView } = useStore.getState();
  const canvas = useRef<HTMLCanvasElement>(null);
  const state = useRef<Pools>({ NH: 0, pools: [], drawn: 0, paintedAt: 0 });

  useEffect(() => {
    const c = canvas.current;
    if (!c || L === 0 || NH === 0) return;
    const st = state.current;
    const positions = attention.positions;
    const N = positions.length;
    if (st.positions !== positions || st.NH !== NH || st.pools.length !== L * NH || N < st.drawn) {
      Object.assign(st, { positions, NH, pools: Array.from({ length: L * NH }, () => new MaxPool(S)), drawn: 0, img: undefined });
    }
    for (let i = st.drawn; i < N; i++) {
      for (let l = 0; l < L; l++) {
        for (let h = 0; h < NH; h++) {
          const r = rowWeights(positions[i], i, l, h, NH);
          if (r) st.pools[l * NH + h]!.addRow(i, r.start, r.w);
        }
      }
    }
    st.drawn = N;
    clearTimeout(st.timer);
    const wait = st.paintedAt + PAINT_MS - performance.now();
    if (wait > 0) st.timer = setTimeout(() => paint(c, st, L, NH, N), wait);
    else paint(c, st, L, NH, N);
  }, [attention, L, NH]);
  useEffect(() => () => clearTimeout(state.current.timer), []);

  const cellCss = THUMB + GAP;
  return (
    <figure aria-label={t('overview.label')} data-testid="attention-overview">
      <figcaption className="mb-1 text-xs text-zinc-400">{t('overview.caption')}</figcaption>
      <div className="overflow-x-auto">
        <div className="inline-grid" style={{ gridTemplateColumns: `auto ${NH * cellCss}px` }}>
          <span />
          <AxisLabels count={NH} prefix="h" className="flex" cell={{ width: cellCss }} />
          <AxisLabels count={L} prefix="L" className="flex flex-col items-end pr-1" cell={{ height: cellCss }} />
          <div className="relative" style={{ width: NH * cellCss, height: L * cellCss }}>
            <canvas ref={canvas} aria-hidden className="absolute inset-0 bg-zinc-950" style={{ width: NH * cellCss, height: L * cellCss }} />
            {Array.from({ length: L }, (_, l) =>
              Array.from({ length: NH }, (_, h) => {
                const selected = view.layer === l && view.head === h;
                return (
                  <button
                    key={`${l}.${h}`}
                    type="button"
                    aria-label={t('overview.cell', { layer: l, head: h })}
                    aria-pressed={selected}
                    title={t('overview.cellHelp', { layer: l, head: h })}
                    onClick={() => setView({ layer: l, head: h })}
                    className={`absolute rounded-sm outline-offset-0 ${selected ? 'outline outline-2 outline-sky-400' : 'hover:outline hover:outline-1 hover:outline-zinc-400'}`}
                    style={{ left: h * cellCss, top: l * cellCss, width: THUMB, height: THUMB }}
                  />
                );
              }),
            )}
          </div>
        </div>
      </div>
    </figure>
  );
}

/** The head numbers above the thumbnails (h0, h1, …) or the layer numbers beside them (L0, L1, …). */
function AxisLabels({ count, prefix, className, cell }: { count: number; prefix: string; className: string; cell: React.CSSProperties }) {
  return (
    <div className={className} aria-hidden>
      {Array.from({ length: count }, (_, i) => (
        <span key={i} className="flex items-center justify-center text-[10px] text-zinc-400" style={cell}>
          {prefix}
          {i}
        </span>
      ))}
    </div>
  );
}
