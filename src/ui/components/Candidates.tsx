/**
 * Next-token candidates at the selected position: the model's 10 most likely tokens (softmax at the
 * sampling temperature, computed and ranked on the GPU) as bars; the token that came next is marked.
 */
import { formatNumber, useTranslation } from '../i18n';
import { useStore } from '../store';
import { tokenLabel } from './AttentionPaint';

export function Candidates() {
  const { t } = useTranslation('write');
  const attention = useStore((s) => s.attention);
  const selectedPos = useStore((s) => s.selectedPos);
  const temperature = useStore((s) => s.sampling.temperature);
  const N = attention.positions.length;
  const pos = selectedPos ?? N - 1;
  const c = attention.positions[pos]?.candidates;
  const next = attention.ids[pos + 1];
  const generated = pos + 1 >= attention.promptLength;
  if (!c) return <p className="text-sm text-zinc-400">{t('candidates.empty')}</p>;
  return (
    <figure>
      <figcaption className="mb-1 text-xs text-zinc-400">
        {t('candidates.caption', { token: tokenLabel(attention.labels[pos] ?? ''), pos, temperature: formatNumber(temperature) })}
      </figcaption>
      <ol aria-label={t('candidates.label')} data-testid="candidates" className="space-y-0.5 font-mono text-xs">
        {Array.from(c.ids, (id, k) => {
          const p = c.probs[k]!;
          const chosen = id === next;
          return (
            <li key={k} data-prob={p} data-chosen={chosen || undefined} className="flex items-center gap-2">
              <span className={`w-14 shrink-0 truncate text-right ${chosen ? 'font-bold text-sky-300' : ''}`}>{tokenLabel(c.texts[k] ?? '')}</span>
              <span className="relative h-3 flex-1 rounded-sm bg-zinc-900">
                <span className={`absolute inset-y-0 left-0 rounded-sm ${chosen ? 'bg-sky-400' : 'bg-amber-600'}`} style={{ width: `${(100 * p).toFixed(1)}%` }} />
              </span>
              <span className="w-12 shrink-0 text-right tabular-nums">{formatNumber(p, { minimumFractionDigits: 3, maximumFractionDigits: 3 })}</span>
              <span className="w-20 shrink-0 whitespace-nowrap text-sky-300">{chosen ? (generated ? t('candidates.sampled') : t('candidates.next')) : ''}</span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
