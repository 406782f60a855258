import * as Comlink from 'comlink';
import { getEngine } from '../../workers/bridge';
import { LIBRARY_CHANNEL, SHIPPED_MODEL_ID, URL_SOURCE_PREFIX, type CorpusPart, type LibraryState, type LoadProgress, type ModelInfo } from '../../workers/api';
import { render, t, type Words } from '../i18n';
import { describe } from './errors';
import type { Slice } from './slice';

/**
 * The shipped model, served from public/weights; 'shipped' in the library's list. Its URL is made
 * absolute here, against the page: the base is relative ('./', so the build runs under any sub path)
 * and the worker, which fetches it, lives at another URL (assets/).
 */
export const SHIPPED_MODEL = { id: SHIPPED_MODEL_ID, url: new URL(`${import.meta.env.BASE_URL}weights/shakespeare-char`, location.href).href, name: 'Shakespeare (char-level)' };

/**
 * The ids of the saved models the page last listed, kept outside IndexedDB (localStorage): at start,
 * when none of them is listed any more, the store vanished while the page was closed (evicted, or
 * cleared) and the page says so, once. A browser that clears localStorage with it leaves nothing to
 * compare: the page then starts as on a first visit.
 */
const SAVED_IDS_KEY = 'gpt-playground.saved-models';

function savedIdsSeen(): string[] {
  try {
    const ids: unknown = JSON.parse(localStorage.getItem(SAVED_IDS_KEY) ?? '[]');
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return []; // storage blocked or the note unreadable: nothing to compare
  }
}

function rememberSavedIds(ids: string[]): void {
  try {
    localStorage.setItem(SAVED_IDS_KEY, JSON.stringify(ids));
  } catch {
    // not kept: a vanished store is then not told
  }
}

export interface ModelSlice {
  /** The model that generates. Failures to load another are told on the 'models' surface: the model in use stays. */
  model?: ModelInfo;
  modelLoading: boolean;
  /** Bytes downloaded of the model being loaded from a URL (undefined when none is). */
  modelProgress?: LoadProgress;
  library: LibraryState;
  /** Whether navigator.storage.persist() was granted (undefined: not asked or not available). */
  persisted?: boolean;
  /** A new model generates from now on: old output and attention go. */
  setModel(model: ModelInfo): void;
  loadModelFromUrl(url: string, name: string, failure?: Words): Promise<void>;
  /** A "Load from URL" download is running (it can be cancelled). */
  urlLoading: boolean;
  /** A GPT-2 from a Hugging Face id or a folder URL, streamed with progress (modelProgress). */
  /** What it did (loaded, from the cache, cancelled) is told on the 'load' surface; failures on 'models'. */
  loadModelFromSource(source: string): Promise<void>;
  /** Cancels the download in progress; the model in use stays. */
  cancelModelLoad(): Promise<void>;
  /** The model in use last visit (a library model), else the shipped one. */
  openStartModel(): Promise<void>;
  openShippedModel(): Promise<void>;
  openStoredModel(id: string): Promise<void>;
  /** model.safetensors + config.json (+ tokenizer.json), or a .zip of them: ours or a Hugging Face GPT-2 directory. */
  loadModelFiles(files: File[]): Promise<void>;
  /** Reads the library's list; false when it could not be read (said on the 'models' surface). */
  refreshLibrary(): Promise<boolean>;
  /** Refreshes the list whenever any tab's worker saves, renames or deletes a model (LIBRARY_CHANNEL). Called once, at start. */
  watchLibrary(): void;
  renameStoredModel(id: string, name: string): Promise<void>;
  deleteStoredModel(id: string): Promise<void>;
  /** Saves a .zip of the model (a library id, or the model in use) through the browser's download. */
  downloadModel(id?: string): Promise<void>;
}

const shippedFailed = () => t('models:load.shippedFailed');

export const createModelSlice: Slice<ModelSlice> = (set, get) => {
  const fail = (e: unknown, prefix?: Words) => get().sayError('models', e, prefix);
  let libraryChannel: BroadcastChannel | undefined;
  return {
    modelLoading: false,
    urlLoading: false,
    library: { models: [] },
    setModel: (model) => {
      set({ model, lastRun: undefined });
      get().clearMessage('models');
      get().clearAttention();
    },
    loadModelFromUrl: async (url, name, failure = () => t('models:load.failed')) => {
      set({ modelLoading: true, modelProgress: { loaded: 0 } });
      try {
        get().setModel(await getEngine().loadModelFromUrl(url, name, Comlink.proxy((modelProgress: LoadProgress) => set({ modelProgress }))));
      } catch (e) {
        fail(e, failure);
      } finally {
        set({ modelLoading: false, modelProgress: undefined });
      }
    },
    loadModelFromSource: async (source) => {
      set({ modelLoading: true, urlLoading: true, modelProgress: { loaded: 0 } });
      get().clearMessage('models');
      get().clearMessage('load');
      try {
        const { cached, ...info } = await getEngine().loadModelFromSource(source, location.href, Comlink.proxy((modelProgress: LoadProgress) => set({ modelProgress })));
        get().setModel(info);
        get().say('load', () => t(cached ? 'models:load.loadedCached' : 'models:load.loaded', { name: info.name }));
      } catch (e) {
        if (describe(e).code === 'ABORTED') get().say('load', () => t('models:load.cancelled'), 'ABORTED');
        else fail(e, () => t('models:load.sourceFailed', { source: source.trim() }));
      } finally {
        set({ modelLoading: false, urlLoading: false, modelProgress: undefined });
      }
    },
    cancelModelLoad: async () => {
      await getEngine().cancelLoad();
    },
    openStartModel: async () => {
      const seen = savedIdsSeen();
      const listed = await get().refreshLibrary();
      const { activeId, models } = get().library;
      // Saved models listed last visit and none of them now: the store vanished while the page was closed.
      const gone = listed && !models.some((m) => seen.includes(m.id)) ? seen.length : 0;
      if (activeId && models.some((m) => m.id === activeId)) {
        await get().openStoredModel(activeId);
        if (get().model?.id === activeId) return;
      }
      if (activeId?.startsWith(URL_SOURCE_PREFIX)) {
        // A model loaded from a URL: its files are in the Cache API, so this needs no network.
        await get().loadModelFromSource(activeId.slice(URL_SOURCE_PREFIX.length));
        if (get().model) return;
      }
      const why = get().messages.models; // the last model could not be opened (e.g. its record is damaged)
      await get().loadModelFromUrl(SHIPPED_MODEL.url, SHIPPED_MODEL.name, shippedFailed);
      if (why && get().model) get().say('models', () => t('models:load.shippedInstead', { text: render(why.text) }), why.code);
      else if (gone && get().model) get().say('models', () => t('storage:gone', { count: gone }));
    },
    openShippedModel: async () => {
      await get().loadModelFromUrl(SHIPPED_MODEL.url, SHIPPED_MODEL.name, shippedFailed);
      await getEngine().setActiveModel(SHIPPED_MODEL.id).catch(() => undefined);
    },
    openStoredModel: async (id) => {
      set({ modelLoading: true });
      try {
        get().setModel(await getEngine().useModel(id));
      } catch (e) {
        fail(e);
      } finally {
        set({ modelLoading: false });
      }
    },
    loadModelFiles: async (files) => {
      const parts: CorpusPart[] = [];
      for (const f of files) parts.push({ name: f.webkitRelativePath || f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
      const zip = files.find((f) => f.name.toLowerCase().endsWith('.zip'));
      const name = zip ? zip.name.replace(/\.zip$/i, '') : files.find((f) => f.name.endsWith('.safetensors'))?.webkitRelativePath.split('/')[0] || t('models:importedName');
      set({ modelLoading: true });
      try {
        get().setModel(await getEngine().importModel(Comlink.transfer(parts, parts.map((p) => p.bytes.buffer as ArrayBuffer)), name));
        await get().refreshLibrary();
      } catch (e) {
        fail(e);
      } finally {
        set({ modelLoading: false });
      }
    },
    refreshLibrary: async () => {
      let listed = false;
      try {
        const library = await getEngine().listModels();
        set({ library });
        rememberSavedIds(library.models.map((m) => m.id));
        listed = true;
      } catch (e) {
        fail(e);
      }
      if (get().persisted === undefined && navigator.storage?.persist) {
        // Ask once that saved models survive storage pressure (the browser may say no: the Models tab then says so).
        navigator.storage.persist().then((persisted) => set({ persisted }), () => set({ persisted: false }));
      }
      return listed;
    },
    watchLibrary: () => {
      if (libraryChannel || typeof BroadcastChannel === 'undefined') return;
      libraryChannel = new BroadcastChannel(LIBRARY_CHANNEL);
      libraryChannel.onmessage = () => void get().refreshLibrary();
    },
    renameStoredModel: async (id, name) => {
      try {
        await getEngine().renameStoredModel(id, name);
        if (get().model?.id === id) set({ model: { ...get().model!, name } });
        await get().refreshLibrary();
      } catch (e) {
        fail(e);
      }
    },
    deleteStoredModel: async (id) => {
      try {
        await getEngine().deleteModel(id);
        await get().refreshLibrary();
      } catch (e) {
        fail(e);
      }
    },
    downloadModel: async (id) => {
      try {
        const { name, zip } = await getEngine().exportModel(id);
        const url = URL.createObjectURL(new Blob([zip as BlobPart], { type: 'application/zip' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = `${name.replace(/[^\p{L}\p{N}._ -]+/gu, '_').trim() || 'model'}.zip`;
        a.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      } catch (e) {
        fail(e);
      }
    },
  };
};
