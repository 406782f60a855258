/**
 * Train loss every step (raw, faint; smoothed, bright) and val loss at each evaluation, drawn with
 * uPlot. The chart is built once and fed with setData on each (per-frame) update; uPlot draws
 * 10,000 points in a few milliseconds. Val points sit on the step axis with gaps between them.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { t as tr, useTranslation, formatNumber } from '../i18n';
import { useStore } from '../store';
import type { LossCurves } from '../store/training';
import { useShownVocab } from './TrainingStep';

/** A loss as the legend shows it. */
const fixed3 = (v: number) => formatNumber(v, { minimumFractionDigits: 3, maximumFractionDigits: 3 });

function toData(c: LossCurves, vocab?: number): uPlot.AlignedData {
  // One x axis: the steps, plus eval steps merged in (val values null elsewhere, spanGaps joins them).
  const xs = c.step.slice();
  const val = new Map(c.evalStep.map((s, i) => [s, c.valLoss[i]!]));
  const valY: (number | null)[] = xs.map((s) => val.get(s) ?? null);
  const raw: (number | null)[] = c.loss.slice();
  const smooth: (number | null)[] = c.smooth.slice();
  for (const [s, v] of val) {
    if (xs.length && s <= xs[xs.length - 1]! && val.has(s) && xs.includes(s)) continue;
    // an eval at a step with no step point (step 0, or the end): insert it in order
    let i = xs.findIndex((x) => x > s);
    if (i < 0) i = xs.length;
    xs.splice(i, 0, s);
    valY.splice(i, 0, v);
    raw.splice(i, 0, null);
    smooth.splice(i, 0, null);
  }
  // The uniform guess (1/V each) scores ln V at every position: where a model that learned nothing sits.
  const uniform = xs.map(() => (vocab ? Math.log(vocab) : null));
  return [xs, raw, smooth, valY, uniform];
}

/** The evaluation nearest to a chart's cursor (its x in steps): the point a click picks. */
function nearestEval(evalStep: number[], x: number): number | undefined {
  let best: number | undefined;
  for (const s of evalStep) if (best === undefined || Math.abs(s - x) < Math.abs(best - x)) best = s;
  return best;
}

export function LossChart() {
  const curves = useStore((s) => s.curves);
  const vocab = useShownVocab();
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { t, i18n } = useTranslation('train');
  const lang = i18n.language;

  useEffect(() => {
    const el = host.current!;
    const opts: uPlot.Options = {
      width: el.clientWidth || 400,
      height: 220,
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false } },
      axes: [
        { stroke: '#a1a1aa', grid: { stroke: '#27272a' }, ticks: { stroke: '#3f3f46' }, label: tr('train:chart.step') },
        { stroke: '#a1a1aa', grid: { stroke: '#27272a' }, ticks: { stroke: '#3f3f46' }, label: tr('train:chart.loss'), size: 50 },
      ],
      series: [
        { label: tr('train:chart.step') },
        { label: tr('train:chart.train'), stroke: 'rgba(52,211,153,0.25)', width: 1, value: (_u, v) => (v == null ? '—' : fixed3(v)) },
        { label: tr('train:chart.smoothed'), stroke: '#34d399', width: 2, value: (_u, v) => (v == null ? '—' : fixed3(v)) },
        { label: tr('train:chart.val'), stroke: '#fbbf24', width: 2, spanGaps: true, points: { show: true, size: 6 }, value: (_u, v) => (v == null ? '—' : fixed3(v)) },
        { label: tr('probe:uniformLine'), stroke: '#a1a1aa', width: 1, dash: [4, 4], value: (_u, v) => (v == null ? '—' : fixed3(v)) },
      ],
      hooks: {
        // A click on the chart picks the evaluation nearest to it: the Training step slider moves there.
        ready: [
          (u) =>
            u.over.addEventListener('click', () => {
              const idx = u.cursor.idx;
              if (idx == null) return;
              const step = nearestEval(useStore.getState().curves.evalStep, u.data[0][idx]!);
              if (step === undefined) return;
              const evals = useStore.getState().curves.evalStep;
              useStore.getState().pickStep(step === evals.at(-1) ? undefined : step);
            }),
        ],
        // Where each val point is drawn (CSS pixels in the plotting area): a test clicks them.
        draw: [(u) => u.over.setAttribute('data-eval-x', useStore.getState().curves.evalStep.map((s) => Math.round(u.valToPos(s, 'x'))).join(','))],
      },
    };
    const now = useStore.getState();
    plot.current = new uPlot(opts, toData(now.curves, now.probeText?.vocab.length ?? now.corpus?.vocabSize), el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [lang]); // rebuilt in the language shown (its axes and legend are drawn with their words)

  useEffect(() => {
    // In a task of its own: the chart's redraw (axes and labels drawn on the canvas) and the commit
    // that brought the data (at an evaluation: the samples and the probe's maps too) would otherwise
    // add up to one long task on a slow canvas (SwiftShader: 60 ms and more).
    const timer = setTimeout(() => plot.current?.setData(toData(curves, vocab)), 0);
    return () => clearTimeout(timer);
  }, [curves, vocab]);

  return (
    <figure>
      <div ref={host} role="img" aria-label={t('chart.label')} data-testid="loss-chart" data-points={curves.step.length} data-evals={curves.evalStep.length} className="w-full" />
      {curves.step.length === 0 && <figcaption className="text-xs text-zinc-400">{t('chart.empty')}</figcaption>}
    </figure>
  );
}
