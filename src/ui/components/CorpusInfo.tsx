import { formatNumber, useTranslation } from '../i18n';
import { useStore } from '../store';
import { LearnedTokens } from './LearnedTokens';
import { LearnProgress } from './LearnProgress';

const fmt = (n: number) => formatNumber(n);

/** What was loaded, before training: sizes, vocabulary, split, and the first characters. */
export function CorpusInfo() {
  const corpus = useStore((s) => s.corpus);
  const busy = useStore((s) => s.corpusBusy);
  const learning = useStore((s) => s.learnProgress !== undefined);
  const { t } = useTranslation('train');
  if (learning) return <LearnProgress />;
  if (busy) return <p className="text-sm text-zinc-400">{t('corpus.reading')}</p>;
  if (!corpus) return <p className="text-sm text-zinc-400">{t('corpus.none')}</p>;
  return (
    <div data-testid="corpus-summary" className="rounded border border-zinc-800 bg-zinc-900/50 p-3 text-sm">
      <p>
        <strong>{corpus.name}</strong>
      </p>
      <dl className="mt-1 grid grid-cols-2 gap-x-4 text-zinc-300 sm:grid-cols-4">
        <div>
          <dt className="text-xs text-zinc-400">{t('corpus.characters')}</dt>
          <dd>{fmt(corpus.chars)}</dd>
        </div>
        <div>
          <dt className="text-xs text-zinc-400">{t('corpus.distinct')}</dt>
          <dd data-testid="distinct-chars">{fmt(corpus.distinctChars)}</dd>
        </div>
        <div>
          <dt className="text-xs text-zinc-400">{t('corpus.vocab', { kind: corpus.tokenizer === 'char' ? t('corpus.vocabChars') : t('corpus.vocabBpe') })}</dt>
          <dd data-testid="vocab-size">{fmt(corpus.vocabSize)}</dd>
        </div>
        <div>
          <dt className="text-xs text-zinc-400">{t('corpus.split')}</dt>
          <dd>
            {fmt(corpus.trainTokens)} / {fmt(corpus.valTokens)}
          </dd>
        </div>
      </dl>
      {corpus.vocabSize === 1 && <p className="mt-1 text-amber-300">{t('corpus.single')}</p>}
      <LearnedTokens corpus={corpus} />
      {!corpus.learned && <pre className="mt-2 max-h-24 overflow-hidden whitespace-pre-wrap break-words font-mono text-xs text-zinc-400">{corpus.preview}</pre>}
    </div>
  );
}
