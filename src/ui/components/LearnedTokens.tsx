import type { CorpusSummary } from '../../workers/api';
import { formatNumber, useTranslation } from '../i18n';

/** Whitespace made visible in a chip: a space as ·, a newline as ↵, a tab as →. */
const visible = (s: string) => s.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '→');

/**
 * A vocabulary learned from the text: the start of the text as learned tokens (chips), and how
 * many characters a token carries, next to one character per token and GPT-2's 50,257 tokens.
 */
export function LearnedTokens({ corpus }: { corpus: CorpusSummary }) {
  const { t } = useTranslation('bpe');
  const learned = corpus.learned;
  if (!learned) return null;
  const rows = [
    { key: 'char', label: t('perChar'), value: 1 },
    { key: 'gpt2', label: t('gpt2'), value: learned.gpt2CharsPerToken },
    { key: 'learned', label: t('learned', { vocab: formatNumber(corpus.vocabSize) }), value: corpus.charsPerToken ?? 1 },
  ];
  const top = Math.max(...rows.map((r) => r.value));
  return (
    <div className="mt-2 space-y-2">
      <div>
        <p className="text-xs text-zinc-400">{t('chipsTitle')}</p>
        <p data-testid="learned-tokens" className="mt-1 flex max-h-28 flex-wrap gap-px overflow-hidden font-mono text-xs">
          {learned.pieces.map((p, i) => (
            <span
              key={i}
              data-testid="token-chip"
              title={t('chipTokens', { count: p.tokens })}
              className={`whitespace-pre rounded-sm px-0.5 ${p.tokens > 1 ? 'bg-amber-900/60 text-amber-100' : i % 2 ? 'bg-sky-900/60 text-sky-100' : 'bg-emerald-900/60 text-emerald-100'}`}
            >
              {visible(p.text)}
            </span>
          ))}
        </p>
      </div>
      <div data-testid="compression">
        <p className="text-xs text-zinc-400">{t('compression')}</p>
        <dl className="mt-1 space-y-0.5 text-xs">
          {rows.map((r) => (
            <div key={r.key} data-testid={`compression-${r.key}`} className="grid grid-cols-[8.5rem_1fr_2.5rem] items-center gap-2 sm:grid-cols-[10rem_1fr_2.5rem]">
              <dt className="truncate text-zinc-400">{r.label}</dt>
              <div className="h-2 rounded bg-zinc-800">
                <div className={`h-full rounded ${r.key === 'learned' ? 'bg-emerald-500' : 'bg-zinc-500'}`} style={{ width: `${(100 * r.value) / top}%` }} />
              </div>
              <dd className="text-right font-mono text-zinc-200">{formatNumber(r.value, { minimumFractionDigits: 2, maximumFractionDigits: 2 })}</dd>
            </div>
          ))}
        </dl>
        <p className="mt-1 text-xs text-zinc-400">
          {learned.gpt2Chars < corpus.chars ? `${t('gpt2Sample', { chars: formatNumber(learned.gpt2Chars) })} ` : ''}
          {t('learnedIn', { seconds: formatNumber(learned.seconds, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) })}
          {corpus.vocabSize < learned.requested ? ` ${t('stoppedEarly', { vocab: formatNumber(corpus.vocabSize), requested: formatNumber(learned.requested) })}` : ''}
        </p>
      </div>
    </div>
  );
}
