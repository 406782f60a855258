/**
 * Heads forming while the model learns: the attention of a fixed probe text (the start of the
 * validation split) at each evaluation, every layer x head as a small map, with a slider over the
 * evaluations. Row i = the query at position i, column j = how much it attends to position j.
 */
import { useEffect, useRef } from 'react';
import { useStore } from '../store';
import { snapshotAt } from '../store/probe';
import type { ProbeSnapshot } from '../store/training';
import { LEGEND_GRADIENT, Raster, tokenLabel } from './AttentionPaint';
import { formatNumber, t as tr, useTranslation } from '../i18n';

/** One layer/head of a snapshot, painted as the explorer's main map is (a Raster), one pixel per cell, T×T. */
function ProbeMap({ snap, layer, head, NH }: { snap: ProbeSnapshot; layer: number; head: number; NH: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const raster = useRef<Raster>(undefined);
  useEffect(() => {
    if (raster.current?.canvas !== canvas.current) raster.current = new Raster(canvas.current!, (T) => Math.max(T, 1));
    raster.current.update(snap.positions, layer, head, NH);
  }, [snap, layer, head, NH]);
  return <canvas ref={canvas} title={tr('train:probe.map', { layer, head })} className="aspect-square w-full bg-zinc-900 [image-rendering:pixelated]" />;
}

export function ProbeAttention() {
  const probes = useStore((s) => s.probes);
  const labels = useStore((s) => s.probeLabels);
  // The evaluation the Training step slider shows (src/ui/components/TrainingStep.tsx), the newest by default.
  const picked = useStore((s) => s.pickedStep);
  const { t } = useTranslation(['train', 'probe']);
  if (probes.length === 0 || !probes[0]!.positions[0]?.attention?.length) return null;
  const snap = snapshotAt(probes, picked)!;
  const first = snap.positions[0]!.attention!;
  const L = first.length;
  const NH = first[0]!.length; // position 0 attends to itself alone: its row is (NH, 1)
  return (
    <section aria-label={t('train:probe.label')} className="space-y-2" data-testid="probe-attention" data-step={snap.step}>
      <h3 className="text-sm font-medium">{t('train:probe.heading')}</h3>
      <p className="text-xs text-zinc-400">
        {t('train:probe.about')} <span className="break-all font-mono">{labels.slice(0, 40).map(tokenLabel).join('')}</span>
      </p>
      <p className="font-mono text-xs text-zinc-400">{t('probe:stepValue', { step: formatNumber(snap.step) })}</p>
      <div className="grid gap-1" style={{ gridTemplateColumns: `repeat(${NH}, minmax(0, 160px))` }}>
        {Array.from({ length: L }, (_, l) => Array.from({ length: NH }, (_, h) => <ProbeMap key={`${l}.${h}`} snap={snap} layer={l} head={h} NH={NH} />))}
      </div>
      <div className="flex items-center gap-2 text-xs text-zinc-400">
        0 <span className="h-2 w-24 rounded" style={{ background: LEGEND_GRADIENT }} /> 1 · {t('train:probe.legend', { lastLayer: L - 1, lastHead: NH - 1 })}
      </div>
    </section>
  );
}
