/**
 * The model library: models trained or imported here, kept in the browser's IndexedDB (through
 * `idb`), one record per model holding its files (encodeCheckpoint's: the Hugging Face layout; a
 * download zips the weights' bytes as stored and writes the small files anew, with a model card).
 *
 * A save is one transaction: IndexedDB commits it whole or not at all, so a failed write (quota
 * exceeded) leaves the previous version of the model readable; a new version replaces the old only
 * once it is written. The shipped model is listed too but lives in public/weights.
 *
 * Beside each model a small `info` record holds what the Models tab lists (name, dates, config,
 * size), written with every save: listing reads those, never the weights (a model saved before
 * the store existed is decoded once, and its record written then).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { zipSync } from 'fflate';
import { EngineError } from '../../errors';
import { decodeCheckpoint, encodeCheckpoint, withHfSideFiles, type Checkpoint } from '../../model/checkpoint';
import type { ModelCard } from '../../model/hf-files';
import { countParams } from '../../model/config';
import type { Recipe } from '../../model/presets';
import { unpack } from '../../model/model-zip';
import type { TrainerState } from '../../model/trainer';
import { LIBRARY_CHANNEL } from '../../model/limits';
import type { LibraryEntry, LibraryState, TrainHistory } from '../api';

interface StoredModel {
  id: string;
  name: string;
  source: 'trained' | 'imported';
  created: number;
  updated: number;
  valLoss?: number;
  step?: number;
  /** The run's planned steps (a model trained here). */
  totalSteps?: number;
  /** The training text's name (a model trained here; for the download's model card). */
  corpus?: string;
  files: Record<string, Uint8Array>;
}

/**
 * What "Resume training" needs beyond the weights, saved with every save of a trained model while
 * it has steps left: the trainer's state (AdamW moments, step; src/model/trainer.ts) and the recipe.
 * The corpus text is kept once per model (store `corpora`). `history` is only in records saved
 * before version 4 (it now lives in `histories`, and stays when a finished run drops this record).
 */
export interface StoredTraining {
  id: string;
  recipe: Recipe;
  state: TrainerState;
  history?: TrainHistory;
}

/** A trained model's story (loss curve, samples, probe scores per evaluation), kept as long as the model. */
export interface StoredHistory {
  id: string;
  history: TrainHistory;
}

export interface StoredCorpus {
  id: string;
  name: string;
  text: string;
}

/** A model's line in the Models tab, kept beside its files (store `info`). */
type StoredInfo = Omit<LibraryEntry, 'resumable'>;

interface LibrarySchema extends DBSchema {
  models: { key: string; value: StoredModel };
  info: { key: string; value: StoredInfo };
  meta: { key: string; value: string };
  training: { key: string; value: StoredTraining };
  corpora: { key: string; value: StoredCorpus };
  histories: { key: string; value: StoredHistory };
}

let db: Promise<IDBPDatabase<LibrarySchema>> | undefined;
function open(): Promise<IDBPDatabase<LibrarySchema>> {
  db ??= openDB<LibrarySchema>('gpt-playground', 4, {
    async upgrade(d, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        d.createObjectStore('models', { keyPath: 'id' });
        d.createObjectStore('meta');
      }
      if (oldVersion < 2) {
        d.createObjectStore('training', { keyPath: 'id' });
        d.createObjectStore('corpora', { keyPath: 'id' });
      }
      if (oldVersion < 3) d.createObjectStore('info', { keyPath: 'id' });
      if (oldVersion < 4) {
        // Histories move out of the training records, so that they outlive them (a finished run keeps its story).
        const histories = d.createObjectStore('histories', { keyPath: 'id' });
        if (oldVersion >= 2) for (const t of await tx.objectStore('training').getAll()) if (t.history) await histories.put({ id: t.id, history: t.history });
      }
    },
  });
  return db;
}

let channel: BroadcastChannel | undefined;
/** Tells every open tab (their pages listen on LIBRARY_CHANNEL) that the list changed. */
function announce(): void {
  if (typeof BroadcastChannel === 'undefined') return;
  channel ??= new BroadcastChannel(LIBRARY_CHANNEL);
  channel.postMessage({ kind: 'changed' });
}

/** Runs a storage request; quota and other storage failures become STORAGE errors in words. */
async function storage<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof EngineError) throw e;
    const err = e as DOMException;
    if (err?.name === 'QuotaExceededError') {
      throw new EngineError('STORAGE', `Browser storage is full: ${what} failed, and nothing saved before was lost. Delete models you no longer need (Models tab), or download this one.`);
    }
    throw new EngineError('STORAGE', `Browser storage failed: ${what} (${err?.message ?? String(e)}). Models saved before are unchanged.`);
  }
}

/** The listed facts of a model record whose checkpoint is `ck`. */
function describe(m: Omit<StoredModel, 'files'>, ck: Checkpoint, files: Record<string, Uint8Array>): StoredInfo {
  const bytes = Object.values(files).reduce((n, f) => n + f.length, 0);
  return { id: m.id, name: m.name, source: m.source, created: m.created, updated: m.updated, valLoss: m.valLoss, step: m.step, ...ck.config, tokenizer: ck.tokenizer.kind, params: countParams(ck.config), bytes, totalSteps: m.totalSteps };
}

/** The info of models saved before the `info` store existed: decoded once, and kept. */
async function describeOld(d: IDBPDatabase<LibrarySchema>, known: Set<string>): Promise<StoredInfo[]> {
  const out: StoredInfo[] = [];
  for (const id of await d.getAllKeys('models')) {
    if (known.has(id)) continue;
    const m = await d.get('models', id);
    if (!m) continue;
    let info: StoredInfo;
    try {
      info = describe(m, decodeCheckpoint(new Map(Object.entries(m.files))), m.files);
    } catch (e) {
      info = damagedInfo(m, undefined, e); // listed as damaged: it can still be deleted or downloaded
    }
    out.push(info);
    await d.put('info', info).catch(() => undefined); // not kept (storage full): decoded again next time
  }
  return out;
}

export async function list(): Promise<LibraryState> {
  return storage('reading the model list', async () => {
    const d = await open();
    const resumable = new Set(await d.getAllKeys('training'));
    const infos = await d.getAll('info');
    infos.push(...(await describeOld(d, new Set(infos.map((i) => i.id)))));
    const models: LibraryEntry[] = infos.map((m) => ({ ...m, resumable: !m.damaged && resumable.has(m.id) && m.step !== undefined && m.totalSteps !== undefined && m.step < m.totalSteps }));
    models.sort((a, b) => b.updated - a.updated);
    const activeId = await d.get('meta', 'active');
    let usage: number | undefined;
    let quota: number | undefined;
    try {
      const est = await navigator.storage?.estimate();
      usage = est?.usage;
      quota = est?.quota;
    } catch {
      // estimate() is optional: the page shows no figures then.
    }
    return { models, activeId, usage, quota };
  });
}

/** Test hook (EngineApi.debugFault 'storage-full'): every save fails as a full disk makes it fail. */
let savesFailForTest = false;
export function failSavesForTest(on: boolean): void {
  savesFailForTest = on;
}

/** How long the held save keeps its transaction open at most (the test closes the page well before). */
const HOLD_MS = 20_000;
let holdNextSave: (() => void) | undefined;
/**
 * Test hook (EngineApi.debugFault 'hold-next-save'): the next save writes all its parts and then
 * keeps its transaction open (uncommitted) for up to HOLD_MS, then commits; resolves once it is there, so a
 * test can close the page inside the transaction.
 */
export function holdNextSaveForTest(): Promise<void> {
  return new Promise((held) => (holdNextSave = held));
}

/**
 * Saves (or replaces) a model's files, with its training state when given (and the corpus, once),
 * and its history, in one transaction: a save is whole or absent. 'drop' deletes the training state
 * (a finished run); the history stays.
 */
export async function save(
  id: string,
  ck: Checkpoint,
  meta: { name: string; source: StoredModel['source']; valLoss?: number; step?: number; totalSteps?: number; corpus?: string },
  training?: { recipe: Recipe; state: TrainerState; corpus?: Omit<StoredCorpus, 'id'> } | 'drop',
  history?: TrainHistory,
): Promise<void> {
  const files = Object.fromEntries(encodeCheckpoint(ck));
  await storage(`saving “${meta.name}”`, async () => {
    if (savesFailForTest) throw new DOMException('The quota has been exceeded (test hook).', 'QuotaExceededError');
    const tx = (await open()).transaction(['models', 'info', 'training', 'corpora', 'histories'], 'readwrite');
    const old = await tx.objectStore('models').get(id);
    const now = Date.now();
    const record: StoredModel = { id, ...meta, created: old?.created ?? now, updated: now, files };
    const writes: Promise<unknown>[] = [tx.objectStore('models').put(record), tx.objectStore('info').put(describe(record, ck, files))];
    if (training === 'drop') writes.push(tx.objectStore('training').delete(id), tx.objectStore('corpora').delete(id));
    else if (training) {
      writes.push(tx.objectStore('training').put({ id, recipe: training.recipe, state: training.state }));
      if (training.corpus) writes.push(tx.objectStore('corpora').put({ id, ...training.corpus }));
    }
    if (history) writes.push(tx.objectStore('histories').put({ id, history }));
    const held = holdNextSave;
    if (held) {
      holdNextSave = undefined;
      await Promise.all(writes);
      held();
      // A transaction commits once it has no request pending: keep one pending until the time is up.
      for (const end = Date.now() + HOLD_MS; Date.now() < end; ) await tx.objectStore('info').get(id);
    }
    await Promise.all([...writes, tx.done]);
  });
  announce();
}

/** The saved training of a model: its state, recipe and history, and the corpus text. */
export async function loadTraining(id: string): Promise<{ training: StoredTraining & { history: TrainHistory }; corpus: StoredCorpus }> {
  const [training, corpus, kept] = await storage('reading the training state', async () => {
    const tx = (await open()).transaction(['training', 'corpora', 'histories']);
    return Promise.all([tx.objectStore('training').get(id), tx.objectStore('corpora').get(id), tx.objectStore('histories').get(id)]);
  });
  if (!training || !corpus) throw new EngineError('BAD_CHECKPOINT', 'This model has no saved training state (only models trained in this browser can be resumed).');
  return { training: { ...training, history: kept?.history ?? training.history ?? { steps: [], evals: [] } }, corpus };
}

/** A model's saved history (loss curve, samples, probe scores), or undefined when none was kept. */
export async function loadHistory(id: string): Promise<TrainHistory | undefined> {
  const kept = await storage('reading the training history', async () => (await open()).get('histories', id));
  return kept?.history;
}

export async function load(id: string): Promise<{ ck: Checkpoint; name: string; valLoss?: number }> {
  const m = await storage('reading a model', async () => (await open()).get('models', id));
  if (!m) throw new EngineError('BAD_CHECKPOINT', 'That model is no longer in this browser’s storage.');
  let ck: Checkpoint;
  try {
    ck = decodeCheckpoint(new Map(Object.entries(m.files)));
  } catch (e) {
    await markDamaged(m, e);
    throw new EngineError('BAD_CHECKPOINT', `“${m.name}” is damaged in this browser’s storage: ${(e as Error).message} Delete it, or download what is left of its files (Models tab).`);
  }
  return { ck, name: m.name, valLoss: m.valLoss };
}

/** The listed facts of a record that no longer decodes: its old line (shape) when there is one, and why. */
function damagedInfo(m: StoredModel, old: StoredInfo | undefined, e: unknown): StoredInfo {
  const bytes = Object.values(m.files ?? {}).reduce((n, f) => n + (f?.length ?? 0), 0);
  const shape = old ?? { n_layer: 0, n_head: 0, n_embd: 0, block_size: 0, vocab_size: 0, tokenizer: 'char' as const, params: 0 };
  return { ...shape, id: m.id, name: m.name, source: m.source, created: m.created, updated: m.updated, valLoss: m.valLoss, step: m.step, totalSteps: m.totalSteps, bytes, damaged: (e as Error)?.message ?? String(e) };
}

/** Keeps, in the model's listed line, that its bytes no longer decode (every tab's list shows it). */
async function markDamaged(m: StoredModel, e: unknown): Promise<void> {
  try {
    const d = await open();
    await d.put('info', damagedInfo(m, await d.get('info', m.id), e));
    announce();
  } catch {
    // Not kept (storage failing too): the next read finds it damaged again.
  }
}

export async function setActive(id: string): Promise<void> {
  await storage('remembering the model in use', async () => {
    await (await open()).put('meta', id, 'active');
  });
}

export async function rename(id: string, name: string): Promise<void> {
  const clean = name.trim().slice(0, 120);
  if (!clean) throw new EngineError('BAD_CONFIG', 'A model name cannot be empty.');
  await storage('renaming', async () => {
    const tx = (await open()).transaction(['models', 'info'], 'readwrite');
    const [m, info] = await Promise.all([tx.objectStore('models').get(id), tx.objectStore('info').get(id)]);
    if (!m) throw new EngineError('BAD_CHECKPOINT', 'That model is no longer in this browser’s storage.');
    // Without its info record (saved before the store existed) the next list() describes it anew.
    await Promise.all([tx.objectStore('models').put({ ...m, name: clean }), info && tx.objectStore('info').put({ ...info, name: clean }), tx.done]);
  });
  announce();
}

export async function remove(id: string): Promise<void> {
  await storage('deleting', async () => {
    const tx = (await open()).transaction(['models', 'info', 'training', 'corpora', 'histories', 'meta'], 'readwrite');
    await Promise.all([tx.objectStore('models').delete(id), tx.objectStore('info').delete(id), tx.objectStore('training').delete(id), tx.objectStore('corpora').delete(id), tx.objectStore('histories').delete(id)]);
    if ((await tx.objectStore('meta').get('active')) === id) await tx.objectStore('meta').delete('active');
    await tx.done;
  });
  announce();
}

/**
 * One .zip, uncompressed (float weights barely compress): the stored weights as they are, and the
 * small files written anew in Hugging Face's formats with a model card (a model saved before
 * those formats holds the earlier tokenizer.json: its download is transformers-ready all the same).
 */
export async function exportZip(id: string): Promise<{ name: string; zip: Uint8Array }> {
  const m = await storage('reading a model', async () => (await open()).get('models', id));
  if (!m) throw new EngineError('BAD_CHECKPOINT', 'That model is no longer in this browser’s storage.');
  // A damaged record's files go out as they are stored (what is left of them), skipping any that are not bytes.
  const files = new Map(Object.entries(m.files ?? {}).filter((e): e is [string, Uint8Array] => e[1] instanceof Uint8Array));
  const card: ModelCard = { name: m.name, corpus: m.corpus, step: m.step, totalSteps: m.totalSteps, valLoss: m.valLoss, source: m.source === 'trained' ? 'page' : 'imported' };
  let out: Map<string, Uint8Array>;
  try {
    out = withHfSideFiles(files, card);
  } catch {
    out = files; // its config or tokenizer does not decode: no side files can be made from them
  }
  return { name: m.name, zip: zipSync(Object.fromEntries(out), { level: 0 }) };
}

/** A loaded model that is not in the library (the shipped one) as a .zip with its model card. */
export function zipCheckpoint(ck: Checkpoint, card: ModelCard): Uint8Array {
  return zipSync(Object.fromEntries(encodeCheckpoint(ck, card)), { level: 0 });
}

/** The import of a .zip or loose files: one unpacker for the page and the CLI. */
export { unpack };

export function newId(): string {
  return `m-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

