/**
 * A kernel tuner: on first use, times a few candidate kernels per shape class on the device itself
 * within a fixed time budget, keeps the fastest per class, stores the choice under a key for the
 * adapter and driver, and reuses it on every later start (no timing then). A choice can be forced.
 *
 * This module knows nothing of any particular kernel: the caller (src/kernels/tune.ts) gives
 * the candidates as pre-built dispatches. Where the choice lives is injected as a `TuningStore`:
 * a JSON file in Node (src/node/tuning.ts), localStorage (or anything async, IndexedDB) in the page.
 */
import { destroyDispatch, encodeDispatches, type Dispatch } from './dispatch';

/** What a tuning run found, as stored. */
export interface TuningRecord {
  /** The adapter + driver + candidate-set key it was measured for (tuningKey). */
  key: string;
  /** Chosen candidate id per shape class. */
  choice: Record<string, string>;
  /** ms per call of each candidate that was timed (the faster of two quick measurements), per class. */
  timings: Record<string, Record<string, number>>;
  /** Wall ms the tuning took. */
  tuneMs: number;
  /** The caller's note on what was timed (matmul: the representative size n of n³). */
  shape?: number;
  /** ISO date of the run. */
  tunedAt: string;
}

/** Where tuning records are kept between runs: one record per key. */
export interface TuningStore {
  load(key: string): Promise<TuningRecord | undefined>;
  save(record: TuningRecord): Promise<void>;
}

/** A store in memory (tests; a page that may not persist anything). */
export function memoryTuningStore(): TuningStore & { records: Map<string, TuningRecord> } {
  const records = new Map<string, TuningRecord>();
  return {
    records,
    load: (key) => Promise.resolve(records.get(key)),
    save: (r) => (records.set(r.key, r), Promise.resolve()),
  };
}

/** The small part of the Web Storage API a store needs (window.localStorage in the page). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** A store over localStorage (synchronous, available in the page; a worker passes its own store). */
export function webStorageTuningStore(storage: KeyValueStorage, prefix = 'webgpu-gpt.tuning:'): TuningStore {
  return {
    load(key) {
      const text = storage.getItem(prefix + key);
      if (!text) return Promise.resolve(undefined);
      try {
        const r = JSON.parse(text) as TuningRecord;
        return Promise.resolve(r.key === key ? r : undefined);
      } catch {
        return Promise.resolve(undefined); // a damaged record is tuned again, not an error
      }
    },
    save(r) {
      storage.setItem(prefix + r.key, JSON.stringify(r));
      return Promise.resolve();
    },
  };
}

/** The adapter description a key is built from (GpuContext.adapterInfo). */
export interface AdapterIdentity {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

/**
 * The store key: adapter (vendor, architecture, device) + driver (the description carries the
 * driver's name and version on Dawn, e.g. "Mesa 25.0.7 (LLVM 15.0.6)") + the candidate set's
 * version, so that a new driver or new kernels tune again.
 */
export function tuningKey(info: AdapterIdentity, what: string): string {
  return [what, info.vendor, info.architecture, info.device, info.description].map((s) => s.replace(/\|/g, '/')).join('|');
}

/** A candidate: builds its dispatches for the class's representative shape (called once, when it is timed). */
export interface TuneCandidate {
  id: string;
  build: () => Dispatch[];
}

export interface TuneClass {
  name: string;
  /** The first candidate is the default: always timed, so a tiny budget still gives a choice. */
  candidates: readonly TuneCandidate[];
}

export interface TuneProgress {
  phase: 'cached' | 'forced' | 'tuning' | 'done';
  /** Fraction of the candidates timed, 0..1. */
  done: number;
  message: string;
}

export interface TuneOptions {
  /** Wall budget for all classes together, ms (default 2000). Compilation and warm-up count. */
  budgetMs?: number;
  onProgress?: (p: TuneProgress) => void;
  /** Clock (tests). */
  now?: () => number;
  /**
   * Awaited before each candidate is built or timed: a tuner in the background yields here to the
   * page's own work (a generation) and resumes when it is done. Time spent waiting here does not
   * count against the budget, nor in tuneMs.
   */
  yieldTo?: () => Promise<void>;
}

/** Encodes `iters` copies of the dispatches in one pass and waits for the queue; returns ms. */
async function timeRun(device: GPUDevice, dispatches: readonly Dispatch[], iters: number, now: () => number): Promise<number> {
  const t0 = now();
  submit(device, dispatches, iters);
  await device.queue.onSubmittedWorkDone();
  return now() - t0;
}

/** Kept out of the async function (see bench/harness.ts submitRepeated: OSR crashes with Dawn). */
function submit(device: GPUDevice, dispatches: readonly Dispatch[], iters: number): void {
  const enc = device.createCommandEncoder({ label: 'tuner' });
  const pass = enc.beginComputePass({ label: 'tuner' });
  for (let i = 0; i < iters; i++) encodeDispatches(pass, dispatches);
  pass.end();
  device.queue.submit([enc.finish()]);
}

/**
 * Times every class's candidates and returns the fastest per class. Two passes, each in rounds
 * (every class's first candidate, then every class's second, ...), so that when the budget runs
 * out all classes have had the same chance; the figure is the faster of a candidate's two timings
 * (the second is what counts on a busy machine, where the CPU of a software adapter is shared).
 * Each class's first candidate (the default) is always timed.
 *
 * Before its first timing a candidate runs once untimed: a browser compiles a pipeline when it is
 * first used, not when createComputePipeline returns (Dawn in Node compiles inside that call), so
 * without it the browser timed compilation (44-800 ms a candidate on SwiftShader, against 5-20 ms of
 * running) and chose whichever kernel had been compiled before tuning began. The warm-up counts
 * against the budget: it is time the user waits.
 * A call under 5 ms is measured over enough calls to last about 5 ms (timer noise).
 */
export async function tuneClasses(device: GPUDevice, classes: readonly TuneClass[], opts: TuneOptions = {}): Promise<Omit<TuningRecord, 'key'>> {
  const { budgetMs = 2000, onProgress, now = () => performance.now(), yieldTo } = opts;
  let start = now();
  const rounds = Math.max(0, ...classes.map((c) => c.candidates.length));
  const total = 2 * classes.reduce((n, c) => n + c.candidates.length, 0);
  let timed = 0;
  const timings: Record<string, Record<string, number>> = Object.fromEntries(classes.map((c) => [c.name, {}]));
  const built = new Map<TuneCandidate, Dispatch[]>();
  try {
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < rounds; i++) {
        for (const cls of classes) {
          const cand = cls.candidates[i];
          if (!cand || (pass > 0 && timings[cls.name]![cand.id] === undefined)) continue;
          if (yieldTo) {
            const waited = now();
            await yieldTo();
            start += now() - waited; // waiting for the page is not tuning
          }
          if ((pass > 0 || i > 0) && now() - start >= budgetMs) continue;
          let dispatches = built.get(cand);
          if (!dispatches) {
            built.set(cand, (dispatches = cand.build()));
            await timeRun(device, dispatches, 1, now); // compiles and warms up; not a timing
          }
          let ms = await timeRun(device, dispatches, 1, now);
          if (ms < 5) {
            const iters = Math.min(64, Math.ceil(5 / Math.max(ms, 0.05)));
            ms = (await timeRun(device, dispatches, iters, now)) / iters;
          }
          timings[cls.name]![cand.id] = Math.min(ms, timings[cls.name]![cand.id] ?? Infinity);
          timed++;
          onProgress?.({ phase: 'tuning', done: timed / total, message: `${cls.name}: ${cand.id} ${ms.toFixed(2)} ms` });
        }
      }
    }
  } finally {
    for (const ds of built.values()) ds.forEach(destroyDispatch);
  }
  const choice: Record<string, string> = {};
  for (const cls of classes) {
    const figures = Object.entries(timings[cls.name]!);
    if (figures.length) choice[cls.name] = figures.reduce((best, e) => (e[1] < best[1] ? e : best))[0];
  }
  const tuneMs = now() - start;
  onProgress?.({ phase: 'done', done: 1, message: `tuned in ${(tuneMs / 1000).toFixed(1)} s: ${JSON.stringify(choice)}` });
  return { choice, timings, tuneMs, tunedAt: new Date().toISOString() };
}

/**
 * The stored record for `key`, or a new one from `tune()` (saved before it is returned).
 * `tune` is only called on a miss: an adapter that was tuned once is not timed again.
 */
export async function cachedTuning(store: TuningStore, key: string, tune: () => Promise<Omit<TuningRecord, 'key'>>, onProgress?: (p: TuneProgress) => void): Promise<{ record: TuningRecord; cached: boolean }> {
  const stored = await store.load(key);
  if (stored) {
    onProgress?.({ phase: 'cached', done: 1, message: 'using the stored tuning for this GPU' });
    return { record: stored, cached: true };
  }
  const record = { key, ...(await tune()) };
  await store.save(record);
  return { record, cached: false };
}

/**
 * A store in IndexedDB (the page's worker has no localStorage): database 'webgpu-gpt-tuning',
 * one object store 'records' keyed by TuningRecord.key. Any failure to open reads as "not stored".
 */
export function indexedDbTuningStore(factory: IDBFactory = globalThis.indexedDB, name = 'webgpu-gpt-tuning'): TuningStore {
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('records', { keyPath: 'key' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('indexedDB.open failed'));
    });
  const run = <T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>) =>
    open().then(
      (db) =>
        new Promise<T>((resolve, reject) => {
          const req = op(db.transaction('records', mode).objectStore('records'));
          req.onsuccess = () => (db.close(), resolve(req.result));
          req.onerror = () => (db.close(), reject(req.error ?? new Error('indexedDB request failed')));
        }),
    );
  return {
    load: (key) => run<TuningRecord | undefined>('readonly', (s) => s.get(key) as IDBRequest<TuningRecord | undefined>).catch(() => undefined),
    save: (record) => run('readwrite', (s) => s.put(record)).then(() => undefined),
  };
}
