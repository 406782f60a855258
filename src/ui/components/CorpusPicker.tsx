import { useState } from 'react';
import type { TokenizerKind } from '../../workers/api';
import { useTranslation } from '../i18n';
import { BUNDLED_CORPORA } from '../store/training';
import { useStore } from '../store';
import { FilePicker } from './FilePicker';
import { VocabSizeField } from './VocabSizeField';

/** Training text in: drop or pick files (several are joined), paste, or one of the bundled corpora. */
export function CorpusPicker() {
  const busy = useStore((s) => s.corpusBusy || s.trainStatus !== 'idle');
  const tokenizer = useStore((s) => s.tokenizer);
  const { chooseCorpusFiles: chooseFiles, choosePastedText: choosePasted, chooseBundledCorpus: chooseBundled, setTokenizer } = useStore.getState();
  const [over, setOver] = useState(false);
  const [pasted, setPasted] = useState('');
  const { t } = useTranslation('train');

  return (
    <div className="space-y-3">
      <div
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          e.stopPropagation(); // the page-wide drop imports models; this one is text
          setOver(false);
          if (!busy) void chooseFiles([...e.dataTransfer.files]);
        }}
        className={`rounded-lg border-2 border-dashed p-4 text-center text-sm transition-colors ${over ? 'border-emerald-400 bg-emerald-950/40' : 'border-zinc-700'}`}
      >
        <p className="font-medium">{t('corpus.drop')}</p>
        <p className="mt-1 text-zinc-400">
          {t('corpus.or')}{' '}
          <FilePicker name={t('corpus.pickerName')} accept=".txt,.md,.csv,.json,.js,.ts,.py,.html,text/*" disabled={busy} className="text-emerald-400 underline" onFiles={(files) => void chooseFiles(files)}>
            {t('corpus.choose')}
          </FilePicker>{' '}
          {t('corpus.anyText')}
        </p>
        <div className="mt-3 flex flex-wrap justify-center gap-2">
          {BUNDLED_CORPORA.map((c) => (
            <button key={c.id} disabled={busy} onClick={() => void chooseBundled(c.id)} className="rounded border border-zinc-700 px-3 py-1 hover:bg-zinc-800 disabled:opacity-40" title={t(`corpus.bundled.${c.id}.about`)}>
              {t(`corpus.bundled.${c.id}.label`)}
            </button>
          ))}
        </div>
      </div>
      <details className="text-sm">
        <summary className="cursor-pointer text-zinc-400">{t('corpus.paste')}</summary>
        <textarea aria-label={t('corpus.pasteLabel')} value={pasted} onChange={(e) => setPasted(e.target.value)} className="mt-2 h-24 w-full rounded border border-zinc-700 bg-zinc-900 p-2 font-mono text-xs" placeholder={t('corpus.pastePlaceholder')} />
        <button disabled={busy || pasted.length === 0} onClick={() => void choosePasted(pasted)} className="mt-1 rounded border border-zinc-700 px-3 py-1 hover:bg-zinc-800 disabled:opacity-40">
          {t('corpus.usePasted')}
        </button>
      </details>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
      <label className="flex min-w-0 items-center gap-2 text-sm">
        <span className="text-zinc-400">{t('corpus.tokenizer')}</span>
        <select aria-label={t('corpus.tokenizer')} value={tokenizer} disabled={busy} onChange={(e) => void setTokenizer(e.target.value as TokenizerKind)} className="min-w-0 rounded border border-zinc-700 bg-zinc-900 px-1 py-0.5">
          <option value="char">{t('corpus.chars')}</option>
          <option value="gpt2">{t('corpus.gpt2')}</option>
          <option value="bpe">{t('option', { ns: 'bpe' })}</option>
        </select>
      </label>
      {tokenizer === 'bpe' && <VocabSizeField />}
      </div>
    </div>
  );
}
