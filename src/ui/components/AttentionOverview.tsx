/**
 * Every layer × head as a small map (BertViz's model view). Click one to show it in the main map.
 * Each thumbnail is a PooledRaster: a fixed 64×64 max-pooled image, so 144 of them (GPT-2's 12 × 12)
 * stay cheap at 1024 positions; only new rows are read as tokens stream in.
 */
import { useEffect, useMemo, useRef } from 'react';
import { useStore } from '../store';
import { PooledRaster } from './AttentionPaint';

const THUMB = 44; // CSS px

function Thumb({ layer, head }: { layer: number; head: number }) {
  const positions = useStore((s) => s.attention.positions);
  const version = useStore((s) => s.attention.version);
  const NH = useStore((s) => s.model?.n_head ?? 1);
  const selected = useStore((s) => s.view.layer === layer && s.view.head === head);
  const setView = useStore((s) => s.setView);
  const canvas = useRef<HTMLCanvasElement>(null);
  const raster = useMemo(() => new PooledRaster(), []);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    // The used n×n pixels of the pooled image, scaled to the thumbnail (pixelated: cells stay sharp).
    const n = raster.update(positions, layer, head, NH);
    if (c.width !== Math.max(n, 1)) c.width = c.height = Math.max(n, 1);
    const g = c.getContext('2d')!;
    g.fillStyle = '#09090b';
    g.fillRect(0, 0, c.width, c.height);
    if (n > 0) g.drawImage(raster.canvas, 0, 0, n, n, 0, 0, n, n);
  }, [positions, version, layer, head, NH, raster]);

  return (
    <button
      type="button"
      aria-label={`Layer ${layer} head ${head}`}
      aria-pressed={selected}
      title={`Layer ${layer}, head ${head}`}
      onClick={() => setView({ layer, head })}
      className={`rounded-sm p-0.5 ${selected ? 'bg-sky-400' : 'bg-zinc-800 hover:bg-zinc-600'}`}
    >
      <canvas ref={canvas} className="block [image-rendering:pixelated]" style={{ width: THUMB, height: THUMB }} />
    </button>
  );
}

export function AttentionOverview() {
  const L = useStore((s) => s.model?.n_layer ?? 0);
  const NH = useStore((s) => s.model?.n_head ?? 0);
  return (
    <figure aria-label="All layers and heads" data-testid="attention-overview">
      <figcaption className="mb-1 text-xs text-zinc-400">All heads (rows: layers, columns: heads). Click one to open it.</figcaption>
      <div className="overflow-x-auto">
        <div className="inline-grid gap-1" style={{ gridTemplateColumns: `auto repeat(${NH}, ${THUMB + 4}px)` }}>
          <span />
          {Array.from({ length: NH }, (_, h) => (
            <span key={h} className="text-center text-[10px] text-zinc-500">
              h{h}
            </span>
          ))}
          {Array.from({ length: L }, (_, l) => [
            <span key={`l${l}`} className="self-center pr-1 text-right text-[10px] text-zinc-500">
              L{l}
            </span>,
            ...Array.from({ length: NH }, (_, h) => <Thumb key={`${l}.${h}`} layer={l} head={h} />),
          ])}
        </div>
      </div>
    </figure>
  );
}
