/**
 * The main attention map of one layer and head (or their mean): row i = the query at position i,
 * column j = how much it attends to position j (causal: j <= i; once the context passes the block
 * size, only the recent window). Tokens label both axes; hover a cell for its weight, click to pin
 * it (click again or Esc unpins). New rows are painted into a Raster; the visible canvas only
 * scales it up and draws labels.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from '../store';
import { MEAN_HEAD } from '../store/attention';
import { LEGEND_GRADIENT, Raster, rowWeights, tokenLabel } from './AttentionPaint';

/** Margin (CSS px) for the labels on the left and top. */
const M = 48;

/** Cell size for N positions: large enough to read for short texts, small enough to scroll for 1024. */
function cellSize(N: number): number {
  return N <= 24 ? 18 : N <= 48 ? 12 : N <= 96 ? 9 : N <= 256 ? 5 : 3;
}

interface Cell {
  i: number;
  j: number;
  x: number;
  y: number;
}

export function AttentionMap() {
  const attention = useStore((s) => s.attention);
  const view = useStore((s) => s.view);
  const selectedPos = useStore((s) => s.selectedPos);
  const NH = useStore((s) => s.model?.n_head ?? 1);
  const canvas = useRef<HTMLCanvasElement>(null);
  const raster = useMemo(() => new Raster(), []);
  const [hover, setHover] = useState<Cell>();
  const [pinned, setPinned] = useState<Cell>();
  const N = attention.positions.length;
  const cell = cellSize(N);
  const sel = selectedPos ?? N - 1;
  const shown = pinned ?? hover;

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    raster.update(attention.positions, view.layer, view.head, NH);
    const size = M + N * cell;
    if (c.width !== size) c.width = c.height = size;
    const g = c.getContext('2d')!;
    g.fillStyle = '#09090b';
    g.fillRect(0, 0, size, size);
    g.imageSmoothingEnabled = false;
    g.drawImage(raster.canvas, 0, 0, N, N, M, M, N * cell, N * cell);
    // Labels: every token when cells are tall enough to read, else every k-th.
    const every = Math.max(1, Math.ceil(10 / cell));
    g.fillStyle = '#a1a1aa';
    g.font = `${Math.min(11, Math.max(8, cell - 2))}px ui-monospace, monospace`;
    g.textBaseline = 'middle';
    for (let i = 0; i < N; i += every) {
      const label = tokenLabel(attention.labels[i] ?? '').slice(0, 5);
      g.textAlign = 'right';
      g.fillText(label, M - 4, M + (i + 0.5) * cell);
      g.save();
      g.translate(M + (i + 0.5) * cell, M - 4);
      g.rotate(-Math.PI / 2);
      g.textAlign = 'left';
      g.fillText(label, 0, 0);
      g.restore();
    }
    // The selected query row, and the hovered or pinned cell.
    if (sel >= 0 && sel < N) {
      g.strokeStyle = '#38bdf8';
      g.lineWidth = 2;
      g.strokeRect(M - 1, M + sel * cell - 1, N * cell + 2, cell + 2);
    }
    if (shown) {
      g.strokeStyle = pinned ? '#f472b6' : '#fafafa';
      g.lineWidth = 2;
      g.strokeRect(M + shown.j * cell, M + shown.i * cell, cell, cell);
    }
  }, [attention, view.layer, view.head, NH, N, cell, sel, shown, pinned, raster]);

  useEffect(() => {
    if (!pinned) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setPinned(undefined);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [pinned]);

  const cellAt = (e: React.MouseEvent<HTMLCanvasElement>): Cell | undefined => {
    const r = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const i = Math.floor((y - M) / cell);
    const j = Math.floor((x - M) / cell);
    const w = rowWeights(attention.positions[i], i, view.layer, view.head, NH);
    if (!w || j < w.start || j > i) return undefined;
    return { i, j, x: M + (j + 1) * cell, y: M + (i + 1) * cell };
  };

  if (N === 0) return <p className="text-sm text-zinc-500">Generate to see where each token looks.</p>;
  const weight = shown && rowWeights(attention.positions[shown.i], shown.i, view.layer, view.head, NH);
  const wv = shown && weight ? weight.w[shown.j - weight.start]! : undefined;
  const headName = view.head === MEAN_HEAD ? 'mean of heads' : `head ${view.head}`;
  return (
    <div className="min-w-0">
      <div className="relative max-h-[36rem] overflow-auto rounded border border-zinc-800">
        <canvas
          ref={canvas}
          role="img"
          aria-label="Attention heatmap"
          aria-description={`Layer ${view.layer}, ${headName}: ${N} query rows, the selected row is position ${sel}`}
          data-testid="attention-map"
          data-rows={N}
          data-layer={view.layer}
          data-head={view.head}
          data-selected-row={sel}
          className="block cursor-crosshair"
          onMouseMove={(e) => setHover(cellAt(e))}
          onMouseLeave={() => setHover(undefined)}
          onClick={(e) => {
            const c = cellAt(e);
            setPinned((p) => (p || !c ? undefined : c));
          }}
        />
        {shown && wv !== undefined && (
          <div
            role="tooltip"
            data-query={shown.i}
            data-key={shown.j}
            data-weight={wv.toFixed(3)}
            className="pointer-events-none absolute z-10 rounded border border-zinc-600 bg-zinc-900/95 px-2 py-1 font-mono text-xs shadow-lg"
            style={{ left: Math.min(shown.x + 6, M + N * cell - 140), top: shown.y + 6 }}
          >
            <div>
              query <b>{shown.i}</b> “{tokenLabel(attention.labels[shown.i] ?? '')}” → key <b>{shown.j}</b> “{tokenLabel(attention.labels[shown.j] ?? '')}”
            </div>
            <div>
              weight <b className="text-amber-300">{wv.toFixed(3)}</b>
              {pinned && <span className="ml-2 text-pink-400">pinned (Esc)</span>}
            </div>
          </div>
        )}
      </div>
      <div className="mt-2 flex items-center gap-2 text-xs text-zinc-400" aria-label="Colour legend: attention weight from 0 to 1">
        <span>0</span>
        <span className="h-2.5 w-40 rounded-sm" style={{ background: LEGEND_GRADIENT }} />
        <span>1</span>
        <span className="ml-2">weight (square-root scale)</span>
      </div>
    </div>
  );
}
