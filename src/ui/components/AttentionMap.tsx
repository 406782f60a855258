/**
 * Attention heatmap of one layer and head: row i = the query at position i, column j = how much it
 * attends to position j (causal: j <= i; once the context exceeds the block size, only the recent
 * window). Drawn on a canvas, one pixel per cell; grows as tokens stream in.
 */
import { useEffect, useRef } from 'react';
import { useStore } from '../store';

export function AttentionMap() {
  const attention = useStore((s) => s.attention);
  const model = useStore((s) => s.model);
  const view = useStore((s) => s.view);
  const setView = useStore((s) => s.setView);
  const canvas = useRef<HTMLCanvasElement>(null);
  const rows = attention.rows[view.layer] ?? [];
  const T = rows.length;
  const NH = model?.n_head ?? 1;

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const size = Math.max(T, 1);
    c.width = size;
    c.height = size;
    const g = c.getContext('2d')!;
    const img = g.createImageData(size, size);
    for (let i = 0; i < T; i++) {
      const row = rows[i]!;
      const n = row.length / NH; // positions this query saw: its cache window (restarts when the context is cropped)
      const start = i - n + 1; // absolute position of the window's first token
      for (let j = 0; j < n; j++) {
        const p = row[view.head * n + j]!;
        const v = Math.sqrt(Math.min(1, Math.max(0, p))); // sqrt: small weights stay visible
        const o = (i * size + start + j) * 4;
        // zinc-900 (no attention) to amber-400 (all of it)
        img.data[o] = 24 + v * (251 - 24);
        img.data[o + 1] = 24 + v * (191 - 24);
        img.data[o + 2] = 27 + v * (36 - 27);
        img.data[o + 3] = 255;
      }
    }
    g.putImageData(img, 0, 0);
  }, [rows, T, NH, view.head]);

  if (!model) return null;
  return (
    <section className="rounded-lg border border-zinc-800 p-4" aria-label="Attention explorer">
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <h2 className="mr-auto font-medium">Attention</h2>
        <label>
          layer{' '}
          <select aria-label="layer" className="rounded bg-zinc-900 px-1" value={view.layer} onChange={(e) => setView({ layer: Number(e.target.value) })}>
            {Array.from({ length: model.n_layer }, (_, i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        </label>
        <label>
          head{' '}
          <select aria-label="head" className="rounded bg-zinc-900 px-1" value={view.head} onChange={(e) => setView({ head: Number(e.target.value) })}>
            {Array.from({ length: model.n_head }, (_, i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        </label>
      </div>
      {T === 0 ? (
        <p className="mt-3 text-sm text-zinc-500">Generate to see where each token looks.</p>
      ) : (
        <canvas ref={canvas} data-testid="attention-map" data-rows={T} className="mt-3 aspect-square w-full max-w-md [image-rendering:pixelated]" />
      )}
    </section>
  );
}
