/**
 * Stage 3 of the view: one transformer block at the traced position, for the Block and Head picked:
 * ln_1, the head's q/k/v, its scores and softmax weights over the positions it sees (the heatmap's
 * row), the weighted sum of values, projection and residual, ln_2, the MLP, and the residual
 * stream's norm across blocks.
 */
import type { BlockTrace, TokenTrace } from '../../../workers/api';
import { tokenLabel } from '../AttentionPaint';
import { fmt, histogram, maxAbs, meanStd, norm } from './numbers';
import { Panel, Strip } from './Strip';
import { formatNumber, useTranslation } from '../../i18n';

/** `x` with `d` decimals, in the current language's number format. */
const fixed = (x: number, d: number) => formatNumber(x, { minimumFractionDigits: d, maximumFractionDigits: d });

/** Positions listed in the scores panel (the most recent ones; earlier ones are summed up). */
const LISTED = 24;
const HIST_BINS = 24;
/** The block's parts, in order: ln_1, q/k/v, scores, heads, ln_2, MLP, stream. */
export const BLOCK_PARTS = 7;

export interface BlockViewProps {
  trace: TokenTrace;
  block: number;
  head: number;
  setBlock(b: number): void;
  setHead(h: number): void;
  /** How many of the block's parts to render (BLOCK_PARTS = all): the view mounts them one task at a time. */
  parts: number;
  /** Opens the Write tab's explorer on this block, head and position (when the text is the Write tab's). */
  showInHeatmap?: () => void;
}

export function BlockView(props: BlockViewProps) {
  const { t } = useTranslation('how');
  const { trace, block, head } = props;
  const L = trace.blocks.length;
  const C = trace.embedding.length;
  const NH = trace.blocks[0] ? trace.blocks[0].scores.length / trace.ids.length : 1;
  const HS = C / NH;
  const b = trace.blocks[block];
  return (
    <Panel title={t('block.title')} explain={t('block.explain', { L: formatNumber(L) })} testId="how-block">
      <div className="flex flex-wrap items-center gap-4 text-sm">
        <Picker label={t('block.blockLabel')} count={L} value={block} onChange={props.setBlock} />
        <Picker label={t('block.headLabel')} count={NH} value={head} onChange={props.setHead} />
      </div>
      {b && (
        <div className="grid gap-4 lg:grid-cols-2">
          {[
            <LayerNormView key="ln1" which={1} before={b.input} ln={b.ln1} />,
            <Panel key="qkv" level={3} title={t('qkv.title')} explain={t('qkv.explain', { NH: formatNumber(NH), HS: formatNumber(HS) })} testId="how-qkv">
              <Strip label={t('qkv.q')} values={b.qkv.subarray(head * HS, (head + 1) * HS)} />
              <Strip label={t('qkv.k')} values={b.qkv.subarray(C + head * HS, C + (head + 1) * HS)} />
              <Strip label={t('qkv.v')} values={b.qkv.subarray(2 * C + head * HS, 2 * C + (head + 1) * HS)} />
            </Panel>,
            <ScoresView key="scores" trace={trace} b={b} head={head} HS={HS} showInHeatmap={props.showInHeatmap} />,
            <Panel key="heads" level={3} title={t('heads.title')} explain={t('heads.explain', { NH: formatNumber(NH), C: formatNumber(C) })}>
              <Strip label={t('heads.head', { head })} values={b.heads.subarray(head * HS, (head + 1) * HS)} testId="how-head-out" />
              <Strip label={t('heads.joined')} values={b.heads} />
              <Strip label={t('heads.projected')} values={b.attnOut} />
              <Strip label={t('heads.residual')} values={b.afterAttn} />
            </Panel>,
            <LayerNormView key="ln2" which={2} before={b.afterAttn} ln={b.ln2} />,
            <MlpView key="mlp" b={b} C={C} />,
            <StreamLine key="stream" trace={trace} block={block} />,
          ].slice(0, props.parts)}
        </div>
      )}
    </Panel>
  );
}

function Picker(props: { label: string; count: number; value: number; onChange(v: number): void }) {
  return (
    <label className="flex items-center gap-1.5">
      {props.label}
      <select aria-label={props.label} className="rounded border border-zinc-700 bg-zinc-900 px-1.5 py-0.5" value={props.value} onChange={(e) => props.onChange(Number(e.target.value))}>
        {Array.from({ length: props.count }, (_, i) => (
          <option key={i} value={i}>
            {i}
          </option>
        ))}
      </select>
    </label>
  );
}

function LayerNormView(props: { which: 1 | 2; before: Float32Array; ln: BlockTrace['ln1'] }) {
  const { t } = useTranslation('how');
  const after = meanStd(props.ln.out);
  return (
    <Panel level={3} title={props.which === 1 ? t('ln.title1') : t('ln.title2')} explain={t('ln.explain')} testId={`how-ln${props.which}`}>
      <Strip label={t('ln.before', { stats: t('ln.stats', { mean: fixed(props.ln.mean, 3), std: fixed(1 / props.ln.rstd, 3) }) })} values={props.before} />
      <Strip label={t('ln.after', { stats: t('ln.stats', { mean: fixed(after.mean, 3), std: fixed(after.std, 3) }) })} values={props.ln.out} />
      <p className="font-mono text-xs text-zinc-400" data-testid={`how-ln${props.which}-stats`}>
        μ = {fmt(props.ln.mean, 4)}, σ = {fmt(1 / props.ln.rstd, 4)}
      </p>
    </Panel>
  );
}

function ScoresView(props: { trace: TokenTrace; b: BlockTrace; head: number; HS: number; showInHeatmap?: () => void }) {
  const { t } = useTranslation('how');
  const { trace, b, head, HS } = props;
  const n = trace.ids.length;
  const scores = b.scores.subarray(head * n, (head + 1) * n);
  const weights = b.weights.subarray(head * n, (head + 1) * n);
  const sMax = maxAbs(scores) || 1;
  const wMax = Math.max(...weights) || 1;
  const first = Math.max(0, n - LISTED);
  let sum = 0;
  for (const w of weights) sum += w;
  return (
    <Panel level={3} title={t('scores.title')} explain={t('scores.explain', { HS: formatNumber(HS) })} testId="how-scores" className="lg:col-span-2">
      {first > 0 && <p className="text-xs text-zinc-400">{t('scores.older', { count: first, n: formatNumber(first) })}</p>}
      <div className="flex justify-end gap-2 pr-1 text-[10px] tracking-wide text-zinc-400">
        <span className="w-1/3 text-center">{t('scores.score')}</span>
        <span className="w-1/3 text-center">{t('scores.weight')}</span>
      </div>
      <ol aria-label={t('scores.label')} data-testid="how-weights" data-sum={sum} className="space-y-0.5 font-mono text-xs">
        {Array.from({ length: n - first }, (_, k) => {
          const j = first + k;
          const s = scores[j]!;
          const w = weights[j]!;
          return (
            <li key={j} data-pos={trace.offset + j} data-weight={w} data-score={s} className={`flex items-center gap-2 ${j === n - 1 ? 'text-sky-300' : ''}`}>
              <span className="w-8 shrink-0 text-right text-zinc-400">{trace.offset + j}</span>
              <span className="w-16 shrink-0 truncate">{tokenLabel(trace.labels[j] ?? '')}</span>
              <span className="relative h-3 flex-1 rounded-sm bg-zinc-900">
                <span className={`absolute inset-y-0 rounded-sm ${s < 0 ? 'right-1/2 bg-sky-600' : 'left-1/2 bg-orange-500'}`} style={{ width: `${(50 * Math.abs(s)) / sMax}%` }} />
              </span>
              <span className="w-14 shrink-0 text-right tabular-nums">{fmt(s, 2)}</span>
              <span className="relative h-3 flex-1 rounded-sm bg-zinc-900">
                <span className="absolute inset-y-0 left-0 rounded-sm bg-amber-500" style={{ width: `${(100 * w) / wMax}%` }} />
              </span>
              <span className="w-14 shrink-0 text-right tabular-nums">{fixed(w, 4)}</span>
            </li>
          );
        })}
        {trace.after.map((label, k) => (
          <li key={`m${k}`} className="flex items-center gap-2 text-zinc-600" data-masked>
            <span className="w-8 shrink-0 text-right">{trace.offset + n + k}</span>
            <span className="w-16 shrink-0 truncate">{tokenLabel(label)}</span>
            <span className="flex-1 text-center italic">{t('scores.masked')}</span>
          </li>
        ))}
      </ol>
      <div className="flex flex-wrap items-center justify-between gap-2 text-xs">
        <span className="font-mono text-zinc-300" data-testid="how-weights-sum">
          {t('scores.sum', { sum: fixed(sum, 4) })}
        </span>
        {props.showInHeatmap && (
          <button type="button" className="text-sky-300 underline" onClick={props.showInHeatmap}>
            {t('scores.showInHeatmap')}
          </button>
        )}
      </div>
    </Panel>
  );
}

function MlpView(props: { b: BlockTrace; C: number }) {
  const { t } = useTranslation('how');
  const { b, C } = props;
  let through = 0;
  for (const x of b.fc) if (x > 0) through++;
  const m = maxAbs(b.fc) || 1;
  const counts = histogram(b.fc, HIST_BINS, -m, m);
  const top = Math.max(...counts) || 1;
  return (
    <Panel level={3} title={t('mlp.title')} explain={t('mlp.explain', { hidden: formatNumber(b.fc.length), C: formatNumber(C) })} testId="how-mlp">
      <p className="text-sm text-zinc-200" data-testid="how-mlp-through" data-through={through}>
        {t('mlp.through', { count: through, k: formatNumber(through), n: formatNumber(b.fc.length) })}
      </p>
      <figure>
        <figcaption className="text-xs text-zinc-400">{t('mlp.hist')}</figcaption>
        <svg viewBox={`0 0 ${HIST_BINS} 10`} preserveAspectRatio="none" className="mt-1 h-12 w-full" role="img" aria-label={t('mlp.hist')}>
          {counts.map((c, i) => (
            <rect key={i} x={i + 0.08} width={0.84} y={10 - (10 * c) / top} height={(10 * c) / top} className={i >= HIST_BINS / 2 ? 'fill-orange-500' : 'fill-sky-700'} />
          ))}
        </svg>
        <div className="flex justify-between font-mono text-[10px] text-zinc-400">
          <span>{fmt(-m, 2)}</span>
          <span>0</span>
          <span>{fmt(m, 2)}</span>
        </div>
      </figure>
      <Strip label={t('mlp.out')} values={b.mlpOut} />
      <Strip label={t('mlp.residual')} values={b.out} />
    </Panel>
  );
}

function StreamLine(props: { trace: TokenTrace; block: number }) {
  const { t } = useTranslation('how');
  const norms = [norm(props.trace.embedding), ...props.trace.blocks.map((b) => norm(b.out))];
  const top = Math.max(...norms) || 1;
  const W = 100;
  const x = (i: number) => (norms.length === 1 ? W / 2 : (i * W) / (norms.length - 1));
  const y = (v: number) => 28 - (26 * v) / top;
  return (
    <Panel level={3} title={t('stream.title')} explain={t('stream.explain')} testId="how-stream">
      <svg viewBox={`-4 0 ${W + 8} 30`} className="h-20 w-full max-w-md" role="img" aria-label={`${t('stream.title')}: ${norms.map((v) => fmt(v, 2)).join(', ')}`}>
        <polyline points={norms.map((v, i) => `${x(i)},${y(v)}`).join(' ')} className="fill-none stroke-sky-400" strokeWidth={0.8} />
        {norms.map((v, i) => (
          <circle key={i} cx={x(i)} cy={y(v)} r={i === props.block + 1 ? 2 : 1.1} className={i === props.block + 1 ? 'fill-amber-400' : 'fill-sky-300'} />
        ))}
      </svg>
      <div className="flex max-w-md justify-between font-mono text-[10px] text-zinc-400">
        <span>{t('stream.embedding')}</span>
        <span>
          {t('norm')} {fmt(norms[props.block + 1] ?? 0, 2)}
        </span>
        <span>{props.trace.blocks.length - 1}</span>
      </div>
    </Panel>
  );
}
