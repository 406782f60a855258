import { BPE_VOCAB_RANGE } from '../../workers/api';
import { formatNumber, useTranslation } from '../i18n';
import { useStore } from '../store';

/**
 * The size of the vocabulary to learn from the text. Not clamped: a size out of range is said at
 * once by the recipe validator (checkVocabSize, in #plan-problem) and Start stays disabled.
 */
export function VocabSizeField() {
  const { t } = useTranslation('bpe');
  const value = useStore((s) => s.bpeVocab);
  const busy = useStore((s) => s.corpusBusy || s.trainStatus !== 'idle');
  const invalid = useStore((s) => s.recipeProblems.some((p) => p.field === 'vocabSize'));
  const { setBpeVocab } = useStore.getState();
  const { min, max } = BPE_VOCAB_RANGE;
  return (
    <label className="flex items-center gap-2 text-sm" title={t('vocabHint', { min, max: formatNumber(max) })}>
      <span className="text-zinc-400">{t('vocabSize')}</span>
      <input
        type="number"
        aria-label={t('vocabSize')}
        aria-invalid={invalid}
        aria-describedby={invalid ? 'plan-problem' : undefined}
        value={Number.isFinite(value) ? value : ''}
        min={min}
        max={max}
        step={256}
        disabled={busy}
        onChange={(e) => setBpeVocab(e.target.value === '' ? NaN : Number(e.target.value))}
        className={`w-24 rounded border bg-zinc-900 px-1 py-0.5 disabled:opacity-50 ${invalid ? 'border-red-500' : 'border-zinc-700'}`}
      />
    </label>
  );
}
