/**
 * Stage 4 of the view: the final LayerNorm, the logits (highest and lowest), and the next-token
 * distribution at the Temperature picked here, with top-k / top-p cutting it; the bars (the most
 * likely tokens and one bar for all others) always sum to 1.
 */
import { useMemo } from 'react';
import type { TokenTrace } from '../../../workers/api';
import { tokenLabel } from '../AttentionPaint';
import { fmt, nextTokenDistribution } from './numbers';
import { Panel, Strip } from './Strip';
import { formatNumber, useTranslation } from '../../i18n';

/** `x` with `d` decimals, in the current language's number format. */
const fixed = (x: number, d: number) => formatNumber(x, { minimumFractionDigits: d, maximumFractionDigits: d });

/** Tokens with their own bar; the rest share one. */
const BARS = 10;
const EXTREMES = 5;

export interface Sampling {
  temperature: number;
  topK: number;
  topP: number;
}

export function OutputView(props: { trace: TokenTrace; decode(id: number): string; sampling: Sampling; setSampling(s: Partial<Sampling>): void; nextId?: number }) {
  const { t } = useTranslation('how');
  const { trace, sampling, decode } = props;
  const { logits, order } = trace;
  const V = logits.length;
  const dist = useMemo(() => nextTokenDistribution(logits, order, sampling.temperature, sampling.topK, sampling.topP), [logits, order, sampling.temperature, sampling.topK, sampling.topP]);
  const shown = Array.from(order.subarray(0, Math.min(BARS, V)));
  const rest = 1 - shown.reduce((s, id) => s + dist.probs[id]!, 0);
  const bars = [...shown.map((id, k) => ({ key: String(id), label: tokenLabel(decode(id)), p: dist.probs[id]!, kept: k < dist.kept })), ...(V > BARS ? [{ key: 'rest', label: t('output.others', { count: V - BARS, n: formatNumber(V - BARS) }), p: Math.max(0, rest), kept: dist.kept > BARS }] : [])];
  const sum = bars.reduce((s, b) => s + b.p, 0);
  const best = order[0]!;
  const lowest = Array.from(order.subarray(Math.max(0, V - EXTREMES))).reverse();
  return (
    <Panel title={t('output.title')} explain={t('output.explain')} testId="how-output">
      <Strip label={t('output.lnf', { stats: t('ln.stats', { mean: fixed(trace.lnf.mean, 3), std: fixed(1 / trace.lnf.rstd, 3) }) })} values={trace.lnf.out} />
      <div className="grid gap-3 sm:grid-cols-2">
        <LogitList title={t('output.top')} ids={Array.from(order.subarray(0, Math.min(EXTREMES, V)))} logits={logits} decode={decode} />
        <LogitList title={t('output.bottom')} ids={lowest} logits={logits} decode={decode} />
      </div>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm">
        <label className="flex min-w-[14rem] flex-1 items-center gap-2">
          {t('output.temperature')}
          <input type="range" aria-label={t('output.temperature')} className="flex-1 accent-sky-400" min={0} max={2} step={0.05} value={sampling.temperature} onChange={(e) => props.setSampling({ temperature: Number(e.target.value) })} />
          <span className="w-10 font-mono tabular-nums">{fixed(sampling.temperature, 2)}</span>
        </label>
        <label className="flex items-center gap-1.5">
          {t('output.topK')}
          <input type="number" aria-label="top-k" min={0} max={V} step={1} className="w-20 rounded border border-zinc-700 bg-zinc-900 px-1.5 py-0.5" value={sampling.topK} onChange={(e) => props.setSampling({ topK: Math.max(0, Math.floor(Number(e.target.value) || 0)) })} />
        </label>
        <label className="flex items-center gap-1.5">
          {t('output.topP')}
          <input type="number" aria-label="top-p" min={0.01} max={1} step={0.05} className="w-20 rounded border border-zinc-700 bg-zinc-900 px-1.5 py-0.5" value={sampling.topP} onChange={(e) => props.setSampling({ topP: Math.min(1, Math.max(0.01, Number(e.target.value) || 1)) })} />
        </label>
      </div>
      <figure>
        <figcaption className="text-xs text-zinc-400">{t('output.probs')}</figcaption>
        <ol aria-label={t('output.probs')} data-testid="how-probs" data-sum={sum} className="mt-1 space-y-0.5 font-mono text-xs">
          {bars.map((b) => (
            <li key={b.key} data-prob={b.p} data-kept={b.kept || undefined} className={`flex items-center gap-2 ${b.kept ? '' : 'opacity-40'}`}>
              <span className={`shrink-0 truncate text-right w-32 ${b.key === 'rest' ? 'text-zinc-400' : ''} ${Number(b.key) === props.nextId ? 'font-bold text-sky-300' : ''}`}>{b.label}</span>
              <span className="relative h-3 flex-1 rounded-sm bg-zinc-900">
                <span className={`absolute inset-y-0 left-0 rounded-sm ${b.key === 'rest' ? 'bg-zinc-600' : 'bg-amber-600'}`} style={{ width: `${(100 * b.p).toFixed(2)}%` }} />
              </span>
              <span className="w-14 shrink-0 text-right tabular-nums">{fixed(b.p, 4)}</span>
            </li>
          ))}
        </ol>
      </figure>
      <p className="font-mono text-xs text-zinc-300" data-testid="how-probs-sum">
        {t('output.sum', { sum: fixed(sum, 4) })}
      </p>
      <p className="text-sm text-zinc-300">{t('output.kept', { count: dist.kept, k: formatNumber(dist.kept), mass: formatNumber(dist.keptMass, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }) })}</p>
      <p className="text-sm text-zinc-200" data-testid="how-next">
        {t('output.likely', { token: tokenLabel(decode(best)), p: fixed(dist.probs[best]!, 4) })}
        {props.nextId !== undefined && props.nextId < V && (
          <>
            <br />
            {t('output.next', { token: tokenLabel(decode(props.nextId)), p: fixed(dist.probs[props.nextId]!, 4) })}
          </>
        )}
      </p>
    </Panel>
  );
}

function LogitList(props: { title: string; ids: number[]; logits: Float32Array; decode(id: number): string }) {
  return (
    <figure>
      <figcaption className="text-xs text-zinc-400">{props.title}</figcaption>
      <ol className="mt-1 font-mono text-xs">
        {props.ids.map((id) => (
          <li key={id} className="flex justify-between gap-2">
            <span className="truncate">
              {tokenLabel(props.decode(id))} <span className="text-zinc-400">#{id}</span>
            </span>
            <span className="tabular-nums">{fmt(props.logits[id]!, 3)}</span>
          </li>
        ))}
      </ol>
    </figure>
  );
}
