import { useState } from 'react';
import type { LibraryEntry } from '../../workers/api';
import { currentLocale, formatNumber, t, useTranslation } from '../i18n';
import { useStore } from '../store';
import { SHIPPED_MODEL } from '../store/models';
import { UrlLoader } from './UrlLoader';
import { FilePicker } from './FilePicker';
import { StorageNotice } from './StorageNotice';

const mb = (bytes: number) => {
  const digits = bytes < 1e7 ? 1 : 0;
  return t('models:mb', { n: formatNumber(bytes / 1e6, { minimumFractionDigits: digits, maximumFractionDigits: digits }) });
};
const shape = (m: { n_layer: number; n_head: number; n_embd: number; block_size: number }) =>
  t('models:shape', { layers: formatNumber(m.n_layer), heads: formatNumber(m.n_head), channels: formatNumber(m.n_embd), ctx: formatNumber(m.block_size) });
const compact = (n: number) => formatNumber(n, { notation: 'compact', maximumSignificantDigits: 3 });
const params = (n: number) => t('models:params', { params: compact(n) });
const loss = (v: number) => formatNumber(v, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
/** The shipped model (public/weights/shakespeare-char): its shape and figures, as its row shows them. */
const SHIPPED_FIGURES = { n_layer: 4, n_head: 4, n_embd: 128, block_size: 128, params: 818_048, valLoss: 1.511 };

/** The model library: the shipped model and every model trained or imported in this browser. */
export function ModelsPanel() {
  const library = useStore((s) => s.library);
  const current = useStore((s) => s.model);
  const persisted = useStore((s) => s.persisted);
  const busy = useStore((s) => s.generating || s.trainStatus !== 'idle' || s.modelLoading);
  const { openShippedModel, loadModelFiles, downloadModel } = useStore.getState();
  useTranslation('models'); // re-render on a language switch

  return (
    <section aria-label={t('models:label')} className="space-y-4 rounded-lg border border-zinc-800 p-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h2 className="font-medium">{t('models:heading')}</h2>
        <p className="text-xs text-zinc-400" data-testid="storage">
          {t('models:kept')}
          {library.usage !== undefined && library.quota !== undefined && t('models:usage', { used: mb(library.usage), quota: mb(library.quota) })}
          {persisted === true && t('models:persistent')}
        </p>
        <FilePicker name={t('models:importName')} accept=".zip,.safetensors,.json" disabled={busy} className="ml-auto rounded border border-zinc-700 px-3 py-1 text-sm hover:bg-zinc-800" onFiles={(files) => void loadModelFiles(files)}>
          {t('models:import')}
        </FilePicker>
      </div>
      <StorageNotice />
      <UrlLoader />
      <p className="text-xs text-zinc-400">
        {t('models:download')} <code className="break-words">pipeline(&quot;text-generation&quot;, model=folder)</code> {t('models:downloadAfter')}
      </p>
      <ul className="divide-y divide-zinc-800">
        <li className="flex flex-wrap items-center gap-3 py-2 text-sm" data-testid="library-row">
          <div className="min-w-48 flex-1">
            <p className="font-medium">{SHIPPED_MODEL.name}</p>
            <p className="text-xs text-zinc-400">{t('models:shipped', { shape: shape(SHIPPED_FIGURES), params: compact(SHIPPED_FIGURES.params), loss: loss(SHIPPED_FIGURES.valLoss) })}</p>
          </div>
          {current?.id === undefined && current?.name === SHIPPED_MODEL.name ? (
            <span className="text-xs text-emerald-400">{t('models:inUse')}</span>
          ) : (
            <button disabled={busy} onClick={() => void openShippedModel()} className="rounded border border-zinc-700 px-3 py-1 hover:bg-zinc-800 disabled:opacity-40">
              {t('models:use')}
            </button>
          )}
        </li>
        {library.models.map((m) => (
          <ModelRow key={m.id} m={m} inUse={current?.id === m.id} busy={busy} />
        ))}
      </ul>
      {library.models.length === 0 && <p className="text-sm text-zinc-400">{t('models:none')}</p>}
      {current && (
        <button onClick={() => void downloadModel(current.id)} className="rounded border border-zinc-700 px-3 py-1 text-sm hover:bg-zinc-800">
          {t('models:downloadInUse')}
        </button>
      )}
    </section>
  );
}

function ModelRow({ m, inUse, busy }: { m: LibraryEntry; inUse: boolean; busy: boolean }) {
  const { openStoredModel, renameStoredModel, deleteStoredModel, downloadModel, resumeSavedTraining } = useStore.getState();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(m.name);
  const [confirming, setConfirming] = useState(false);
  const btn = 'rounded border border-zinc-700 px-3 py-1 hover:bg-zinc-800 disabled:opacity-40';
  useTranslation('models'); // re-render on a language switch
  const tokenizer = m.tokenizer === 'char' ? t('models:chars') : m.tokenizer === 'bpe' ? t('bpe:tokenizerName') : t('models:gpt2');
  const step = m.step === undefined ? undefined : m.totalSteps !== undefined && m.step < m.totalSteps ? t('models:stepOf', { step: formatNumber(m.step), total: formatNumber(m.totalSteps) }) : t('models:step', { step: formatNumber(m.step) });
  const details = [t(`models:source.${m.source}`), shape(m), tokenizer, params(m.params), mb(m.bytes), ...(m.valLoss !== undefined ? [t('models:valLoss', { loss: loss(m.valLoss) })] : []), ...(step ? [step] : []), new Date(m.updated).toLocaleString(currentLocale())];
  return (
    <li className="flex flex-wrap items-center gap-2 py-2 text-sm" data-testid="library-row">
      <div className="min-w-48 flex-1">
        {editing ? (
          <form
            className="flex gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              setEditing(false);
              void renameStoredModel(m.id, name);
            }}
          >
            <input aria-label={t('models:newName')} value={name} onChange={(e) => setName(e.target.value)} className="flex-1 rounded border border-zinc-700 bg-zinc-900 px-2" autoFocus />
            <button className={btn} type="submit">
              {t('models:save')}
            </button>
          </form>
        ) : (
          <p className="font-medium break-words">{m.name}</p>
        )}
        {m.damaged ? (
          <p className="text-xs text-amber-400" data-testid="damaged">
            {t('models:damaged', { source: t(`models:source.${m.source}`), size: mb(m.bytes), why: m.damaged })}
          </p>
        ) : (
          <p className="text-xs text-zinc-400">{details.join(' · ')}</p>
        )}
      </div>
      {m.damaged ? null : inUse ? (
        <span className="text-xs text-emerald-400">{t('models:inUse')}</span>
      ) : (
        <button className={btn} disabled={busy} onClick={() => void openStoredModel(m.id)}>
          {t('models:use')}
        </button>
      )}
      {m.resumable && (
        <button className={btn} disabled={busy} onClick={() => void resumeSavedTraining(m.id)} title={t('models:resumeHelp')}>
          {t('models:resume')}
        </button>
      )}
      <button className={btn} onClick={() => setEditing(!editing)}>
        {t('models:rename')}
      </button>
      <button className={btn} onClick={() => void downloadModel(m.id)}>
        {m.damaged ? t('models:downloadLeft') : t('models:downloadOne')}
      </button>
      {confirming ? (
        <>
          <button className="rounded bg-red-700 px-3 py-1" onClick={() => void deleteStoredModel(m.id).then(() => setConfirming(false))}>
            {t('models:confirmDelete')}
          </button>
          <button className={btn} onClick={() => setConfirming(false)}>
            {t('models:cancel')}
          </button>
        </>
      ) : (
        <button className={btn} onClick={() => setConfirming(true)}>
          {t('models:delete')}
        </button>
      )}
    </li>
  );
}
