/**
 * Maximum likelihood made visible: a held-out probe text, each token tinted by the probability the
 * model gave it (from the tokens before it) at the evaluation the Training step slider picks, the
 * mean −log p (the probe's loss), and for a clicked token the 10 most likely next tokens as bars
 * with the true one marked. The scores come from the worker (src/model/probe.ts, one read-back an evaluation).
 */
import { memo, useDeferredValue, useEffect } from 'react';
import { useStore } from '../store';
import { snapshotAt } from '../store/probe';
import type { ProbeScores, ProbeText } from '../../workers/api';
import { formatNumber, useTranslation } from '../i18n';
import { tokenLabel } from './AttentionPaint';
import { useShownEval, useShownVocab } from './TrainingStep';

/**
 * The tint of a probability on a log scale from a uniform guess (1/V: red) to certainty (1: green),
 * so the early, small gains over 1/V show as clearly as the late ones near 1.
 */
export function probabilityTint(p: number, V: number): string {
  const t = V > 1 ? Math.log(Math.max(p, 1e-30) * V) / Math.log(V) : 1;
  return `hsl(${Math.round(120 * Math.min(Math.max(t, 0), 1))} 65% 30%)`;
}

const legend = (V: number) => `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((t) => probabilityTint(V ** (t - 1), V)).join(', ')})`;

const fmtP = (p: number) => formatNumber(p, { maximumSignificantDigits: 3 });

/** Shows the saved story of the model in use when the tab opens with no run on (after a reload). */
function useSavedStory() {
  const modelId = useStore((s) => s.model?.id);
  const idle = useStore((s) => s.trainStatus === 'idle');
  useEffect(() => {
    if (modelId && idle) void useStore.getState().showSavedHistory(modelId);
  }, [modelId, idle]);
}

function NextTokenBars({ text, scores, position, step, V }: { text: ProbeText; scores: ProbeScores; position: number; step: number; V: number | undefined }) {
  const { t } = useTranslation('probe');
  const { k } = scores;
  const truth = text.ids[position + 1]!;
  const context = text.labels
    .slice(Math.max(0, position - 11), position + 1)
    .join('')
    .slice(-16);
  const rows = Array.from({ length: k }, (_, r) => ({ id: scores.topIds[position * k + r]!, p: scores.topProbs[position * k + r]! }));
  const inTop = rows.some((r) => r.id === truth);
  return (
    <figure className="space-y-1" data-testid="next-token-bars" data-position={position} data-step={step}>
      <figcaption className="text-xs text-zinc-300">{t('barsTitle', { before: tokenLabel(context), step: formatNumber(step) })}</figcaption>
      <ol aria-label={t('barsLabel')} className="space-y-0.5">
        {rows.map((r) => (
          <li key={r.id} data-testid="next-token-bar" data-true={r.id === truth || undefined} data-p={r.p} className="grid grid-cols-[5rem_1fr_3.5rem] items-center gap-2 text-xs">
            <span className={`truncate font-mono ${r.id === truth ? 'font-bold text-emerald-300' : 'text-zinc-300'}`}>
              {tokenLabel(text.vocab[r.id] ?? '?')}
              {r.id === truth && <span className="sr-only"> ({t('trueToken')})</span>}
            </span>
            <span className="h-3 rounded-sm bg-zinc-800">
              <span className={`block h-3 rounded-sm ${r.id === truth ? 'bg-emerald-500' : 'bg-sky-600'}`} style={{ width: `${Math.max(0.5, r.p * 100)}%` }} />
            </span>
            <span className="text-right font-mono text-zinc-400">{fmtP(r.p)}</span>
          </li>
        ))}
      </ol>
      <p className="text-xs text-zinc-400">
        <span className="mr-1 inline-block h-2 w-3 rounded-sm bg-emerald-500 align-middle" /> {t('trueToken')}
        {!inTop && <> · {t('trueOutside', { token: tokenLabel(text.vocab[truth] ?? '?'), p: fmtP(scores.p[position]!) })}</>}
        {V !== undefined && <> · {t('uniform', { vocab: formatNumber(V), p: fmtP(1 / V) })}</>}
      </p>
    </figure>
  );
}

/**
 * The probe text, each scored token a button tinted by p (hover: p, −log p, the top 5). Memoised: it
 * renders again only when an evaluation's scores, the text or the picked token change.
 */
const ProbeTokens = memo(function ProbeTokens({ text, scores, position }: { text: ProbeText; scores: ProbeScores; position: number | undefined }) {
  const { t } = useTranslation('probe');
  const { pickProbePosition } = useStore.getState();
  const n = scores.p.length;
  const vocab = text.vocab.length;
  const top5 = (i: number) =>
    Array.from({ length: Math.min(5, scores.k) }, (_, r) => `${tokenLabel(text.vocab[scores.topIds[i * scores.k + r]!] ?? '?')} ${fmtP(scores.topProbs[i * scores.k + r]!)}`).join(', ');
  const tip = (i: number, label: string, p: number) => t('tokenTitle', { token: tokenLabel(label), p: fmtP(p), nll: formatNumber(-Math.log(Math.max(p, Number.MIN_VALUE)), { maximumFractionDigits: 3 }), top: top5(i) });
  return (
    <p className="max-h-48 overflow-y-auto whitespace-pre-wrap break-words rounded border border-zinc-800 p-2 font-mono text-xs leading-5" data-testid="probe-text">
      <span className="text-zinc-400">{text.labels[0]}</span>
      {text.labels.slice(1, n + 1).map((label, j) => {
        const p = scores.p[j]!;
        const picked = position === j;
        return (
          <button
            key={j}
            type="button"
            data-testid="probe-token"
            data-p={p}
            aria-pressed={picked}
            aria-label={t('tokenLabel', { index: j + 1, token: tokenLabel(label), p: fmtP(p) })}
            // The tooltip (p, −log p, the top 5) is worded when first pointed at or focused, not for every token at every evaluation.
            onPointerEnter={(e) => void (e.currentTarget.title = tip(j, label, p))}
            onFocus={(e) => void (e.currentTarget.title = tip(j, label, p))}
            onClick={() => pickProbePosition(picked ? undefined : j)}
            className={`mr-px whitespace-pre-wrap rounded-sm text-zinc-50 ${picked ? 'outline outline-2 outline-sky-300' : ''}`}
            style={{ backgroundColor: probabilityTint(p, vocab) }}
          >
            {label.includes('\n') ? label.replace(/\n/g, '↵\n') : label}
          </button>
        );
      })}
    </p>
  );
});

export function ProbeProbabilities() {
  useSavedStory();
  const { t } = useTranslation('probe');
  const text = useStore((s) => s.probeText);
  // Deferred: an evaluation's new scores render at low priority, after what the run's progress shows.
  const all = useDeferredValue(useStore((s) => s.probeScores));
  const evalStep = useStore((s) => s.curves.evalStep);
  const position = useStore((s) => s.probePosition);
  const shown = useShownEval();
  const V = useShownVocab();
  if (!text || all.length === 0) return null;
  const step = evalStep[shown];
  const snap = snapshotAt(all, step);
  if (!snap) return null;
  const { scores } = snap;
  const n = scores.p.length;
  const vocab = text.vocab.length;
  let nll = 0;
  for (const p of scores.p) nll -= Math.log(Math.max(p, Number.MIN_VALUE));
  nll /= n;
  return (
    <section aria-label={t('title')} className="space-y-2" data-testid="probe-probabilities" data-step={snap.step}>
      <h3 className="text-sm font-medium">{t('title')}</h3>
      <p className="text-xs text-zinc-400">{t('intro')}</p>
      <p className="text-xs text-zinc-300" data-testid="probe-loss" data-loss={nll}>
        {t('meanNll', { count: n, loss: formatNumber(nll, { maximumFractionDigits: 3 }) })}
      </p>
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-zinc-400">
        <span className="flex flex-wrap items-center gap-2">
          <span className="whitespace-nowrap">{t('legendLow', { vocab: formatNumber(vocab) })}</span>
          <span className="h-2 w-24 rounded" style={{ background: legend(vocab) }} />
          <span className="whitespace-nowrap">{t('legendHigh')}</span>
        </span>
        <span>{t('clickHint')}</span>
      </div>
      <ProbeTokens text={text} scores={scores} position={position} />
      {position !== undefined && position < n && <NextTokenBars text={text} scores={scores} position={position} step={snap.step} V={V} />}
    </section>
  );
}
