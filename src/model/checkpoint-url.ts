/**
 * A model directory over HTTP: the transport that drives the checkpoint reader
 * (checkpoint-reader.ts) from a URL. The page's "Load from URL" (src/workers/engine/hub.ts, which
 * adds the browser's cache), the shipped model and the CLI's `--model https://…` all load through
 * it, so every check of a file pick runs on a download too. It lives in src/model because both
 * the worker and the Node CLI use it; it needs only `fetch`.
 *
 * Refuse early, hold one copy:
 *   1. config.json (small): not a GPT-2, or too large for this device (`checkFits`) -> refused before the weights.
 *   2. model.safetensors streamed: the header is checked against the config before the data section
 *      is read; a refusal drops the request.
 *   3. Tensor by tensor into one Float32Array; the file itself is never held whole.
 * Every failure to fetch is NETWORK; what the files hold is BAD_CHECKPOINT, in the reader's words.
 */
import { EngineError } from '../errors';
import { checkJsonSize, CONFIG_FILE, MODEL_FILE, readCheckpoint, type Answer, type Checkpoint, type Need } from './checkpoint-reader';
import type { GPTConfig } from './config';

const INDEX_FILE = 'model.safetensors.index.json';
/** At most one progress report per this many milliseconds (each one is a message to the page). */
const REPORT_EVERY_MS = 100;

/** Bytes downloaded so far, of `total` when the server said (src/workers/api.ts LoadProgress). */
export interface FetchProgress {
  loaded: number;
  total?: number;
}

export interface FetchOptions {
  /** Cancels the load (ABORTED). */
  signal?: AbortSignal;
  onProgress?: (p: FetchProgress) => void;
  /** Throws (TOO_LARGE) for a config this device cannot hold, before the weights are requested. */
  checkFits?: (config: GPTConfig) => void;
  /** How a file is requested: `fetch` unless given (the page's hub answers from its cache first). */
  get?: (url: string, signal: AbortSignal) => Promise<Response>;
}

/** Where the files of `source` live, and the model's name: a Hugging Face id or a directory URL. */
export function resolveSource(source: string, pageUrl?: string): { base: string; name: string } {
  const s = source.trim();
  if (!s) throw new EngineError('BAD_CONFIG', 'Enter a Hugging Face model id (such as openai-community/gpt2) or the URL of a folder holding config.json and model.safetensors.');
  if (/^[\w.-]+\/[\w.-]+$/.test(s) && !/^\.\.?\//.test(s)) return { base: `https://huggingface.co/${s}/resolve/main`, name: s };
  let url: URL;
  try {
    url = new URL(s, pageUrl);
  } catch {
    throw new EngineError('BAD_CONFIG', `“${s}” is neither a Hugging Face model id (owner/name) nor a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EngineError('BAD_CONFIG', `Only http and https URLs can be loaded, not ${url.protocol}`);
  // A Hugging Face repository page (…/owner/name, …/tree/<rev>, …/blob/<rev>/file): its files are under resolve/<rev>.
  const hub = url.host === 'huggingface.co' ? /^\/([\w.-]+)\/([\w.-]+)(?:\/(?:tree|blob|resolve)\/([^/]+))?/.exec(url.pathname) : null;
  if (hub) return { base: `https://huggingface.co/${hub[1]}/${hub[2]}/resolve/${hub[3] ?? 'main'}`, name: `${hub[1]}/${hub[2]}` };
  // A link to one of the files means its folder.
  const path = url.pathname.replace(/\/(config\.json|model\.safetensors|tokenizer\.json)$/, '').replace(/\/+$/, '');
  const base = `${url.origin}${path}`;
  return { base, name: decodeURIComponent(path.split('/').pop() || url.host) };
}

function notFound(url: string, status: number, what: string): EngineError {
  const why = status === 401 || status === 403 ? `HTTP ${status}: the model does not exist, or it is private or gated` : `HTTP ${status}`;
  return new EngineError('NETWORK', `Not found: ${url} (${why}). ${what}`);
}

function unreachable(url: string): EngineError {
  return new EngineError(
    'NETWORK',
    `Could not fetch ${url}: the network is down, the server did not answer, or it does not let other sites read its files (blocked by CORS: it must send Access-Control-Allow-Origin). The model in use is unchanged.`,
  );
}

function cancelled(): EngineError {
  return new EngineError('ABORTED', 'Loading was cancelled. The model in use is unchanged.');
}

/** Whether a status means "this optional file is not there" (Hugging Face answers 401 for absent files of some repositories). */
const absent = (status: number) => status === 404 || status === 401 || status === 403 || status === 410;

/**
 * Loads the model directory at `base` (no trailing slash) through readCheckpoint. Nothing here
 * touches the model in use; see FetchOptions.
 */
export async function fetchCheckpoint(base: string, opts: FetchOptions = {}): Promise<Checkpoint> {
  // One controller for this load's requests: a refusal mid-stream stops the download.
  const ctrl = new AbortController();
  const stop = () => ctrl.abort();
  opts.signal?.addEventListener('abort', stop);
  if (opts.signal?.aborted) ctrl.abort();
  const get = opts.get ?? ((url: string, signal: AbortSignal) => fetch(url, { signal }));
  let loaded = 0;
  let total: number | undefined;
  let last = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (!opts.onProgress || (!force && now - last < REPORT_EVERY_MS)) return;
    last = now;
    opts.onProgress({ loaded, total: total !== undefined && loaded <= total ? total : undefined });
  };
  const lost = (e: unknown): EngineError =>
    opts.signal?.aborted
      ? cancelled()
      : new EngineError('NETWORK', `The connection was lost after ${(loaded / 1e6).toFixed(1)} of ${total ? (total / 1e6).toFixed(1) : '?'} MB (${(e as Error)?.message ?? String(e)}). The model in use is unchanged; try again.`);

  const request = async (url: string): Promise<Response> => {
    try {
      return await get(url, ctrl.signal);
    } catch (e) {
      throw opts.signal?.aborted || (e as Error)?.name === 'AbortError' ? cancelled() : unreachable(url);
    }
  };

  /** A small file, read whole but refused past its cap as soon as the count passes it. */
  const json = async (name: string, maxBytes: number): Promise<Uint8Array | undefined> => {
    const url = `${base}/${name}`;
    const res = await request(url);
    if (name === CONFIG_FILE && absent(res.status)) throw notFound(url, res.status, 'Check the model id (such as openai-community/gpt2) or the URL: it must be the folder that holds config.json and model.safetensors.');
    if (absent(res.status)) return undefined;
    if (!res.ok) throw new EngineError('NETWORK', `Could not download ${url}: HTTP ${res.status}.`);
    // Content-Length is the encoded size (smaller under compression), so it can only refuse early, never pass.
    checkJsonSize(name, Number(res.headers.get('content-length') ?? 0) || 0, maxBytes);
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      if (res.body) {
        const reader = res.body.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          chunks.push(r.value);
          size += r.value.length;
          if (size > maxBytes) {
            await reader.cancel().catch(() => undefined);
            checkJsonSize(name, size, maxBytes);
          }
        }
      }
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw opts.signal?.aborted ? cancelled() : unreachable(url);
    }
    loaded += size;
    report();
    return concat(chunks, size);
  };

  let weights: StreamBytes | undefined;
  const open = async (): Promise<{ size?: number }> => {
    const url = `${base}/${MODEL_FILE}`;
    const res = await request(url);
    if (absent(res.status)) {
      const index = await fetch(`${base}/${INDEX_FILE}`, { method: 'HEAD', signal: ctrl.signal }).catch(() => undefined);
      if (index?.ok) throw new EngineError('BAD_CHECKPOINT', `This checkpoint is sharded (${INDEX_FILE} splits the weights over several files); only a single model.safetensors can be loaded.`);
      throw notFound(url, res.status, 'Only safetensors checkpoints can be loaded (convert pytorch_model.bin with save_pretrained(..., safe_serialization=True)).');
    }
    if (!res.ok) throw new EngineError('NETWORK', `Could not download ${url}: HTTP ${res.status}.`);
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(length) && length > 0) total = loaded + length;
    report(true);
    weights = new StreamBytes((res.body ?? new Blob([]).stream()).getReader(), Number.isFinite(length) ? length : undefined, lost, (n) => {
      loaded += n;
      report();
    });
    // The size is not given up front: Content-Length is the encoded size under compression. A
    // file that ends early is refused when it ends, in the same words as a short file.
    return {};
  };

  const answer = async (need: Need): Promise<Answer> => {
    switch (need.kind) {
      case 'json':
        return json(need.name, need.maxBytes);
      case 'config':
        opts.checkFits?.(need.config);
        return undefined;
      case 'weights':
        return open();
      case 'read':
        return weights!.fill(need.into);
      case 'skip':
        return weights!.fill(need.bytes);
    }
  };

  const reader = readCheckpoint();
  try {
    report(true);
    let step = reader.next();
    while (!step.done) step = reader.next(await answer(step.value));
    report(true);
    return step.value;
  } catch (e) {
    ctrl.abort();
    if (opts.signal?.aborted && !(e instanceof EngineError && e.code !== 'NETWORK')) throw cancelled();
    throw e;
  } finally {
    weights?.release();
    opts.signal?.removeEventListener('abort', stop);
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Reads exact byte counts off a stream, counting bytes as they arrive. */
class StreamBytes {
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  /** Bytes taken from the stream so far. */
  private received = 0;
  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    /** What the server said it would send (Content-Length), if it did. */
    private readonly length: number | undefined,
    private readonly lost: (e: unknown) => EngineError,
    private readonly onBytes: (n: number) => void,
  ) {}

  /**
   * Fills `into` (all of it) or skips `n` bytes: true, or the file's size when the stream ended
   * first. A stream that breaks, or ends before the bytes the server announced, is a lost connection.
   */
  async fill(into: Uint8Array | number): Promise<true | number> {
    const n = typeof into === 'number' ? into : into.length;
    for (let o = 0; o < n; ) {
      if (this.at === this.chunk.length) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await this.reader.read();
        } catch (e) {
          throw this.lost(e);
        }
        if (r.done) {
          if (this.length !== undefined && this.received < this.length) throw this.lost(new Error(`the server announced ${this.length} bytes`));
          return this.received; // the stream ended: that is the whole file
        }
        this.chunk = r.value;
        this.at = 0;
        this.received += r.value.length;
        this.onBytes(r.value.length);
        continue;
      }
      const k = Math.min(n - o, this.chunk.length - this.at);
      if (typeof into !== 'number') into.set(this.chunk.subarray(this.at, this.at + k), o);
      this.at += k;
      o += k;
    }
    return true;
  }

  /** Drops what is left (bytes after the last tensor, or the rest of a refused file). */
  release(): void {
    this.reader.cancel().catch(() => undefined);
  }
}
