/**
 * The one "Training step" slider of the Train tab: it picks an evaluation, and the probe's
 * probabilities, the probe's attention, the highlighted sample and this perplexity readout all show
 * that evaluation (clicking a val point on the loss chart moves it too). At the newest evaluation it
 * follows new ones as they arrive.
 */
import { useStore } from '../store';
import { formatNumber, useTranslation } from '../i18n';

/** The vocabulary size of the run shown: its probe's, else the current text's. */
export function useShownVocab(): number | undefined {
  const probeVocab = useStore((s) => s.probeText?.vocab.length);
  const corpusVocab = useStore((s) => s.corpus?.vocabSize);
  return probeVocab ?? corpusVocab;
}

/**
 * The evaluation shown: its index in the curve's evaluations (the newest unless one was picked).
 * Re-renders only when an evaluation arrives or the pick changes, not at every batch of steps.
 */
export function useShownEval(): number {
  const evals = useStore((s) => s.curves.evalStep.length);
  const picked = useStore((s) => s.pickedStep);
  if (picked === undefined) return evals - 1;
  const i = useStore.getState().curves.evalStep.indexOf(picked);
  return i < 0 ? evals - 1 : i;
}

export function TrainingStep() {
  const { t } = useTranslation('probe');
  const curves = useStore((s) => s.curves);
  const { pickStep } = useStore.getState();
  const index = useShownEval();
  const V = useShownVocab();
  const evals = curves.evalStep.length;
  if (evals === 0) return null;
  const step = curves.evalStep[index]!;
  const loss = curves.valLoss[index]!;
  const digits = { maximumFractionDigits: 2 };
  return (
    <div className="space-y-1" data-testid="training-step" data-step={step}>
      <label className="flex items-center gap-2 text-sm">
        <span className="text-zinc-400">{t('step')}</span>
        <input
          type="range"
          aria-label={t('step')}
          min={0}
          max={evals - 1}
          value={index}
          onChange={(e) => {
            const i = Number(e.target.value);
            pickStep(i === evals - 1 ? undefined : curves.evalStep[i]);
          }}
          className="min-w-0 flex-1"
        />
        <span className="w-20 text-right font-mono text-xs" data-testid="training-step-value">
          {t('stepValue', { step: formatNumber(step) })}
        </span>
      </label>
      {V !== undefined && Number.isFinite(loss) && (
        <p className="text-xs text-zinc-400" data-testid="perplexity">
          {t('perplexity', { step: formatNumber(step), loss: formatNumber(loss, { maximumFractionDigits: 3 }), ppl: formatNumber(Math.exp(loss), digits), vocab: formatNumber(V), lnV: formatNumber(Math.log(V), { maximumFractionDigits: 3 }) })}
        </p>
      )}
      <p className="text-xs text-zinc-400">{t('chartHint')}</p>
    </div>
  );
}
