import { useState } from 'react';
import type { LibraryEntry } from '../../workers/api';
import { t } from '../i18n';
import { useStore } from '../store';
import { SHIPPED_MODEL } from '../store/models';
import { UrlLoader } from './UrlLoader';
import { FilePicker } from './FilePicker';
import { StorageNotice } from './StorageNotice';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
const shape = (m: { n_layer: number; n_head: number; n_embd: number; block_size: number }) => `${m.n_layer}L · ${m.n_head}H · ${m.n_embd}C · ctx ${m.block_size}`;

/** The model library: the shipped model and every model trained or imported in this browser. */
export function ModelsPanel() {
  const library = useStore((s) => s.library);
  const current = useStore((s) => s.model);
  const persisted = useStore((s) => s.persisted);
  const busy = useStore((s) => s.generating || s.trainStatus !== 'idle' || s.modelLoading);
  const { openShippedModel, loadModelFiles, downloadModel } = useStore.getState();

  return (
    <section aria-label="Models" className="space-y-4 rounded-lg border border-zinc-800 p-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h2 className="font-medium">Models</h2>
        <p className="text-xs text-zinc-400" data-testid="storage">
          Kept in this browser
          {library.usage !== undefined && library.quota !== undefined && `: ${mb(library.usage)} used of ${mb(library.quota)} available`}
          {persisted === true && ' · persistent'}
        </p>
        <FilePicker name="Import model" accept=".zip,.safetensors,.json" disabled={busy} className="ml-auto rounded border border-zinc-700 px-3 py-1 text-sm hover:bg-zinc-800" onFiles={(files) => void loadModelFiles(files)}>
          Import model…
        </FilePicker>
      </div>
      <StorageNotice />
      <UrlLoader />
      <p className="text-xs text-zinc-400">
        A download is one .zip in Hugging Face&apos;s own formats (weights, config, tokenizer and a model card): the CLI loads it, and once unzipped so does transformers&apos;{' '}
        <code>pipeline(&quot;text-generation&quot;, model=folder)</code> — continue training in PyTorch or nanoGPT on bigger hardware.
      </p>
      <ul className="divide-y divide-zinc-800">
        <li className="flex flex-wrap items-center gap-3 py-2 text-sm" data-testid="library-row">
          <div className="min-w-48 flex-1">
            <p className="font-medium">{SHIPPED_MODEL.name}</p>
            <p className="text-xs text-zinc-400">shipped with the page · 4L · 4H · 128C · ctx 128 · characters · 0.82M parameters · val loss 1.511</p>
          </div>
          {current?.id === undefined && current?.name === SHIPPED_MODEL.name ? (
            <span className="text-xs text-emerald-400">in use</span>
          ) : (
            <button disabled={busy} onClick={() => void openShippedModel()} className="rounded border border-zinc-700 px-3 py-1 hover:bg-zinc-800 disabled:opacity-40">
              Use
            </button>
          )}
        </li>
        {library.models.map((m) => (
          <ModelRow key={m.id} m={m} inUse={current?.id === m.id} busy={busy} />
        ))}
      </ul>
      {library.models.length === 0 && <p className="text-sm text-zinc-400">No saved models yet: models you train (Train tab) or import are kept here across reloads.</p>}
      {current && (
        <button onClick={() => void downloadModel(current.id)} className="rounded border border-zinc-700 px-3 py-1 text-sm hover:bg-zinc-800">
          Download the model in use
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
            <input aria-label="New name" value={name} onChange={(e) => setName(e.target.value)} className="flex-1 rounded border border-zinc-700 bg-zinc-900 px-2" autoFocus />
            <button className={btn} type="submit">
              Save
            </button>
          </form>
        ) : (
          <p className="font-medium break-words">{m.name}</p>
        )}
        {m.damaged ? (
          <p className="text-xs text-amber-400" data-testid="damaged">
            {m.source} · {mb(m.bytes)} · damaged: {m.damaged} It cannot be used; delete it, or download what is left of its files.
          </p>
        ) : (
          <p className="text-xs text-zinc-400">
            {m.source} · {shape(m)} · {m.tokenizer === 'char' ? 'characters' : m.tokenizer === 'bpe' ? t('bpe:tokenizerName') : 'GPT-2 BPE'} · {(m.params / 1e6).toFixed(2)}M parameters · {mb(m.bytes)}
            {m.valLoss !== undefined && ` · val loss ${m.valLoss.toFixed(3)}`}
            {m.step !== undefined && ` · step ${m.step}${m.totalSteps !== undefined && m.step < m.totalSteps ? ` of ${m.totalSteps}` : ''}`} · {new Date(m.updated).toLocaleString()}
          </p>
        )}
      </div>
      {m.damaged ? null : inUse ? (
        <span className="text-xs text-emerald-400">in use</span>
      ) : (
        <button className={btn} disabled={busy} onClick={() => void openStoredModel(m.id)}>
          Use
        </button>
      )}
      {m.resumable && (
        <button className={btn} disabled={busy} onClick={() => void resumeSavedTraining(m.id)} title="Continue training from the last saved step (weights, optimiser state, recipe and text are saved with it)">
          Resume training
        </button>
      )}
      <button className={btn} onClick={() => setEditing(!editing)}>
        Rename
      </button>
      <button className={btn} onClick={() => void downloadModel(m.id)}>
        {m.damaged ? 'Download what is left' : 'Download'}
      </button>
      {confirming ? (
        <>
          <button className="rounded bg-red-700 px-3 py-1" onClick={() => void deleteStoredModel(m.id).then(() => setConfirming(false))}>
            Confirm delete
          </button>
          <button className={btn} onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button className={btn} onClick={() => setConfirming(true)}>
          Delete
        </button>
      )}
    </li>
  );
}
