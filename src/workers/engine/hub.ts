/**
 * A GPT-2 from a URL: a Hugging Face model id (`openai-community/gpt2`, read from
 * https://huggingface.co/<id>/resolve/main/) or the base URL of any directory holding config.json,
 * model.safetensors and (optionally, for GPT-2's vocabulary) tokenizer.json.
 *
 * Refuse early, hold one copy:
 *   1. config.json (small): not a GPT-2, or too large for this adapter -> refused before the weights.
 *   2. model.safetensors streamed: the 8-byte header length and the JSON header come first, and
 *      are checked against the config (names, shapes, dtypes; sharded or foreign checkpoints are
 *      refused) before the data section is read.
 *   3. Tensor by tensor into one Float32Array in paramLayout order: F32 bytes land in place, F16 /
 *      BF16 go through one tensor-sized buffer. The file itself is never held whole.
 * Downloads are teed into the Cache API (a cache entry is stored only once its body arrived whole),
 * so a second load of the same URL reads from disk, with no network.
 */
import { EngineError } from '../../errors';
import { CONFIG_FILE, MODEL_FILE, TOKENIZER_FILE, type Checkpoint } from '../../model/checkpoint';
import { fromHfConfig, GPT2_VOCAB_SIZE, type GPTConfig } from '../../model/config';
import { paramLayout } from '../../model/params';
import { toF32, type Dtype } from '../../model/safetensors';
import { Gpt2Tokenizer, tokenizerFromJSON, type Tokenizer } from '../../model/tokenizer';
import type { LoadProgress } from '../api';

const CACHE_NAME = 'gpt-playground-models-v1';
const INDEX_FILE = 'model.safetensors.index.json';
/** At most one progress report per this many milliseconds (each one is a message to the page). */
const REPORT_EVERY_MS = 100;
/** The safetensors reference refuses longer headers; a corrupt length is usually huge. */
const MAX_HEADER_BYTES = 100_000_000;
const PREFIX = 'transformer.';
const LM_HEAD = 'lm_head.weight';
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};

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

function unreachable(url: string, e: unknown): EngineError {
  if ((e as Error)?.name === 'AbortError') return cancelled();
  return new EngineError(
    'NETWORK',
    `Could not fetch ${url}: the network is down, the server did not answer, or it does not let other sites read its files (blocked by CORS: it must send Access-Control-Allow-Origin). The model in use is unchanged.`,
  );
}

function cancelled(): EngineError {
  return new EngineError('ABORTED', 'Loading was cancelled. The model in use is unchanged.');
}

async function openCache(): Promise<Cache | undefined> {
  try {
    return await globalThis.caches?.open(CACHE_NAME);
  } catch {
    return undefined; // no Cache API here (e.g. an insecure origin): every load downloads
  }
}

/** A cached response when there is one (a cached 404 says the optional file is absent), else the network's. */
async function get(url: string, cache: Cache | undefined, signal: AbortSignal): Promise<{ res: Response; cached: boolean }> {
  const hit = await cache?.match(url).catch(() => undefined);
  if (hit) return { res: hit, cached: true };
  try {
    return { res: await fetch(url, { signal }), cached: false };
  } catch (e) {
    throw unreachable(url, e);
  }
}

async function readSmall(url: string, res: Response, signal: AbortSignal): Promise<Uint8Array> {
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw signal.aborted ? cancelled() : unreachable(url, e);
  }
}

function parseJson(bytes: Uint8Array, name: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new EngineError('BAD_CHECKPOINT', `${name} is not valid JSON (${(e as Error).message}): this is not a model folder.`);
  }
}

/** Reads exact byte counts off a stream, counting bytes as they arrive. */
class StreamBytes {
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly onBytes: (n: number) => void,
  ) {}

  /** Fills `into` (all of it) or skips `n` bytes; a stream that ends first is a truncated file. */
  async fill(into: Uint8Array | number): Promise<void> {
    const n = typeof into === 'number' ? into : into.length;
    for (let o = 0; o < n; ) {
      if (this.at === this.chunk.length) {
        const { done, value } = await this.reader.read();
        if (done) throw new Truncated();
        this.chunk = value;
        this.at = 0;
        this.onBytes(value.length);
        continue;
      }
      const k = Math.min(n - o, this.chunk.length - this.at);
      if (typeof into !== 'number') into.set(this.chunk.subarray(this.at, this.at + k), o);
      this.at += k;
      o += k;
    }
  }
}
class Truncated extends Error {}

interface TensorRead {
  name: string;
  dtype: string;
  begin: number;
  end: number;
  /** Float offset in the parameter buffer; undefined for what is read but not kept. */
  offset?: number;
  kind: 'param' | 'head' | 'skip';
}

/** Causal-mask buffers old GPT-2 checkpoints carry (h.N.attn.bias, h.N.attn.masked_bias): not parameters. */
const isMaskBuffer = (name: string) => /^h\.\d+\.attn\.(bias|masked_bias)$/.test(name);

/** Checks the header against the config and plans the reads in file order; refuses before any data is read. */
export function planReads(header: unknown, config: GPTConfig): { reads: TensorRead[]; dataBytes: number } {
  const fail = (msg: string): never => {
    throw new EngineError('BAD_CHECKPOINT', `${MODEL_FILE}: ${msg}`);
  };
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object; this is not a safetensors file.');
  const layout = paramLayout(config);
  const reads: TensorRead[] = [];
  const seen = new Set<string>();
  const unexpected: string[] = [];
  const misshapen: string[] = [];
  for (const [key, info] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') continue;
    const { dtype, shape, data_offsets: off } = (info ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !DTYPE_BYTES[dtype] || !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor ${key} has no valid dtype and shape; the file is damaged.`);
    }
    const dims = shape as number[];
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[1] - off[0] !== dims.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype as string]!) {
      fail(`tensor ${key} has data_offsets that do not match its shape; the file is damaged.`);
    }
    const name = key.startsWith(PREFIX) ? key.slice(PREFIX.length) : key;
    if (seen.has(name)) fail(`it holds ${name} twice.`);
    seen.add(name);
    const [begin, end] = off as [number, number];
    const read: TensorRead = { name, dtype: dtype as string, begin, end, kind: 'skip' };
    reads.push(read);
    if (isMaskBuffer(name)) continue;
    const spec = layout.byName.get(name === LM_HEAD ? 'wte.weight' : name);
    if (!spec) {
      unexpected.push(key);
      continue;
    }
    if (dims.length !== spec.shape.length || dims.some((d, i) => d !== spec.shape[i])) misshapen.push(`${key} is [${dims.join(', ')}] but config.json needs [${spec.shape.join(', ')}]`);
    if (!['F32', 'F16', 'BF16'].includes(dtype as string)) fail(`tensor ${key} is ${String(dtype)}; only F32, F16 and BF16 weights can be loaded.`);
    read.kind = name === LM_HEAD ? 'head' : 'param';
    read.offset = spec.offset;
  }
  if (!seen.has('wte.weight') && ![...seen].some((n) => n.startsWith('h.0.'))) {
    fail(`this is not a GPT-2 checkpoint: its tensors are named ${[...seen].slice(0, 4).join(', ')}${seen.size > 4 ? ', …' : ''} (a GPT-2 has wte.weight, h.0.attn.c_attn.weight, …).`);
  }
  const missing = layout.tensors.filter((t) => !seen.has(t.name)).map((t) => t.name);
  const problems = [
    missing.length && `missing ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ` and ${missing.length - 6} more` : ''}`,
    misshapen.length && `wrong shapes: ${misshapen.slice(0, 3).join('; ')}`,
    unexpected.length && `tensors a GPT-2 does not have: ${unexpected.slice(0, 6).join(', ')}`,
  ].filter(Boolean);
  if (problems.length) fail(`it does not match config.json (not a GPT-2 of this size): ${problems.join('; ')}.`);
  reads.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < reads.length; i++) if (reads[i]!.begin < reads[i - 1]!.end) fail(`tensors ${reads[i - 1]!.name} and ${reads[i]!.name} overlap; the file is damaged.`);
  return { reads, dataBytes: reads.length ? reads[reads.length - 1]!.end : 0 };
}

export interface HubLoad {
  ck: Checkpoint;
  name: string;
  /** Whether every file came from the cache (no network). */
  cached: boolean;
}

/**
 * Loads `source`; `checkFits(config)` throws (TOO_LARGE) for what this adapter cannot hold, before
 * the weights are fetched. `signal` cancels (ABORTED). Nothing here touches the model in use.
 */
export async function loadFromSource(
  source: string,
  opts: { pageUrl?: string; signal: AbortSignal; checkFits: (c: GPTConfig) => void; onProgress?: (p: LoadProgress) => void },
): Promise<HubLoad> {
  const { base, name } = resolveSource(source, opts.pageUrl);
  const { signal } = opts;
  // One controller for this load's requests: a refusal mid-stream stops the download (and the cache write).
  const ctrl = new AbortController();
  const stop = () => ctrl.abort();
  signal.addEventListener('abort', stop);
  const cache = await openCache();
  const toCache: [string, Response][] = [];
  let loaded = 0;
  let total: number | undefined;
  let last = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (!opts.onProgress || (!force && now - last < REPORT_EVERY_MS)) return;
    last = now;
    opts.onProgress({ loaded, total: total !== undefined && loaded <= total ? total : undefined });
  };
  let allCached = true;
  try {
    report(true);
    // 1. config.json: what model, and does it fit.
    const configUrl = `${base}/${CONFIG_FILE}`;
    const cfg = await get(configUrl, cache, ctrl.signal);
    allCached &&= cfg.cached;
    if (!cfg.res.ok) throw notFound(configUrl, cfg.res.status, 'Check the model id (such as openai-community/gpt2) or the URL: it must be the folder that holds config.json and model.safetensors.');
    const configBytes = await readSmall(configUrl, cfg.res.clone(), ctrl.signal);
    if (!cfg.cached) toCache.push([configUrl, cfg.res]);
    loaded += configBytes.length;
    const config = fromHfConfig(parseJson(configBytes, CONFIG_FILE));
    opts.checkFits(config);

    // 2. tokenizer.json: optional for GPT-2's vocabulary (a cached 404 remembers that it is absent).
    const tokUrl = `${base}/${TOKENIZER_FILE}`;
    const tok = await get(tokUrl, cache, ctrl.signal);
    allCached &&= tok.cached;
    let tokenizer: Tokenizer;
    if (tok.res.ok) {
      const bytes = await readSmall(tokUrl, tok.res.clone(), ctrl.signal);
      loaded += bytes.length;
      tokenizer = tokenizerFromJSON(parseJson(bytes, TOKENIZER_FILE));
    } else if (config.vocab_size === GPT2_VOCAB_SIZE) tokenizer = new Gpt2Tokenizer();
    else throw new EngineError('BAD_CHECKPOINT', `${base} has no ${TOKENIZER_FILE} (HTTP ${tok.res.status}), and its vocab_size ${config.vocab_size} is not GPT-2's ${GPT2_VOCAB_SIZE}, so its tokenizer is unknown.`);
    if (tokenizer.vocabSize > config.vocab_size) throw new EngineError('BAD_CHECKPOINT', `The tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab_size is only ${config.vocab_size}.`);
    if (!tok.cached) toCache.push([tokUrl, tok.res.ok ? tok.res : new Response(null, { status: 404 })]);

    // 3. model.safetensors, streamed.
    const modelUrl = `${base}/${MODEL_FILE}`;
    const mod = await get(modelUrl, cache, ctrl.signal);
    allCached &&= mod.cached;
    if (mod.res.status === 404 || mod.res.status === 401 || mod.res.status === 403) {
      const index = await fetch(`${base}/${INDEX_FILE}`, { method: 'HEAD', signal: ctrl.signal }).catch(() => undefined);
      if (index?.ok) throw new EngineError('BAD_CHECKPOINT', `This checkpoint is sharded (${INDEX_FILE} splits the weights over several files); only a single model.safetensors can be loaded.`);
      throw notFound(modelUrl, mod.res.status, 'Only safetensors checkpoints can be loaded (convert pytorch_model.bin with save_pretrained(..., safe_serialization=True)).');
    }
    if (!mod.res.ok || !mod.res.body) throw new EngineError('NETWORK', `Could not download ${modelUrl}: HTTP ${mod.res.status}.`);
    let body = mod.res.body;
    let caching: Promise<unknown> | undefined;
    if (cache && !mod.cached) {
      // The second branch is stored as it arrives; an aborted or cut download stores nothing.
      const [mine, theirs] = body.tee();
      body = mine;
      caching = cache.put(modelUrl, new Response(theirs, { status: 200, headers: mod.res.headers })).catch(() => undefined);
    }
    const length = Number(mod.res.headers.get('content-length') ?? NaN);
    const fixed = loaded;
    if (Number.isFinite(length) && length > 0) total = fixed + length;
    const reader = body.getReader();
    const stream = new StreamBytes(reader, (n) => {
      loaded += n;
      report();
    });
    let params: Float32Array;
    try {
      params = await readWeights(stream, config, (fileBytes) => {
        total ??= fixed + fileBytes;
        if (Number.isFinite(length) && length !== fileBytes) throw new EngineError('BAD_CHECKPOINT', `${MODEL_FILE}: the server sends ${length} bytes but the header describes ${fileBytes}; the file is damaged or not a safetensors file.`);
      });
    } catch (e) {
      if (e instanceof Truncated) throw new EngineError('NETWORK', `${MODEL_FILE} ended early: the connection was lost after ${(loaded / 1e6).toFixed(1)} MB. The model in use is unchanged; try again.`);
      if (e instanceof EngineError) throw e;
      if (signal.aborted) throw cancelled();
      throw new EngineError('NETWORK', `The connection was lost after ${(loaded / 1e6).toFixed(1)} of ${total ? (total / 1e6).toFixed(1) : '?'} MB (${(e as Error).message}). The model in use is unchanged; try again.`);
    } finally {
      reader.releaseLock();
    }
    report(true);
    if (caching) await caching;
    for (const [url, res] of toCache) await cache?.put(url, res).catch(() => undefined);
    return { ck: { config, tokenizer, params }, name, cached: allCached };
  } catch (e) {
    ctrl.abort();
    if (signal.aborted && !(e instanceof EngineError && e.code !== 'NETWORK')) throw cancelled();
    throw e;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/** The header, then every tensor in file order into one parameter buffer. `onSize(fileBytes)` may refuse. */
async function readWeights(stream: StreamBytes, config: GPTConfig, onSize: (fileBytes: number) => void): Promise<Float32Array> {
  const lenBytes = new Uint8Array(8);
  await stream.fill(lenBytes);
  const dv = new DataView(lenBytes.buffer);
  const headerLen = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (headerLen > MAX_HEADER_BYTES) throw new EngineError('BAD_CHECKPOINT', `${MODEL_FILE} is not a safetensors file (its first 8 bytes claim a ${headerLen}-byte header).`);
  const headerBytes = new Uint8Array(headerLen);
  await stream.fill(headerBytes);
  const { reads, dataBytes } = planReads(parseJson(headerBytes, MODEL_FILE), config);
  onSize(8 + headerLen + dataBytes);

  const layout = paramLayout(config);
  const params = new Float32Array(layout.totalFloats);
  let head: Float32Array | undefined;
  let at = 0;
  for (const r of reads) {
    await stream.fill(r.begin - at);
    at = r.end;
    const n = r.end - r.begin;
    if (r.kind === 'skip') await stream.fill(n);
    else if (r.kind === 'param' && r.dtype === 'F32') await stream.fill(new Uint8Array(params.buffer, r.offset! * 4, n)); // in place (little-endian, as every browser)
    else {
      const raw = new Uint8Array(n);
      await stream.fill(raw);
      if (r.kind === 'head') head = toF32(raw, r.dtype as Dtype);
      else toF32(raw, r.dtype as Dtype, params.subarray(r.offset, r.offset! + n / (r.dtype === 'F32' ? 4 : 2)));
    }
  }
  if (head) {
    const wte = layout.byName.get('wte.weight')!;
    let tied = true;
    for (let i = 0; tied && i < head.length; i++) tied = head[i] === params[wte.offset + i] || (Number.isNaN(head[i]) && Number.isNaN(params[wte.offset + i]));
    if (!tied) throw new EngineError('BAD_CHECKPOINT', `${MODEL_FILE}: ${LM_HEAD} differs from wte.weight. This engine ties the output layer to the token embeddings, so models with a separate output layer cannot be loaded.`);
  }
  return params;
}
