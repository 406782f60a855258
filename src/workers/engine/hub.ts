/**
 * "Load from URL": a Hugging Face model id (`openai-community/gpt2`, read from
 * https://huggingface.co/<id>/resolve/main/) or the base URL of any directory holding config.json,
 * model.safetensors and (optionally, for GPT-2's vocabulary) tokenizer.json.
 *
 * The transport and every check are src/model/checkpoint-url.ts and checkpoint-reader.ts (the same
 * reader as a file pick); this file adds the browser's cache. Downloads are teed into the Cache API
 * (the weights' entry is stored only once its body arrived whole, and dropped again when the load
 * is refused), so a second load of the same URL reads from disk, with no network.
 */
import { fetchCheckpoint, resolveSource } from '../../model/checkpoint-url';
import { MODEL_FILE, type Checkpoint } from '../../model/checkpoint';
import type { GPTConfig } from '../../model/config';
import type { LoadProgress } from '../api';

export { resolveSource };

const CACHE_NAME = 'gpt-playground-models-v1';

async function openCache(): Promise<Cache | undefined> {
  try {
    return await globalThis.caches?.open(CACHE_NAME);
  } catch {
    return undefined; // no Cache API here (e.g. an insecure origin): every load downloads
  }
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
  const cache = await openCache();
  let cached = true;
  /** Small files, stored once the load succeeded; a cached 404 remembers that the optional tokenizer.json is absent. */
  const later: [string, Response][] = [];
  const caching: Promise<unknown>[] = [];
  const modelUrl = `${base}/${MODEL_FILE}`;
  const get = async (url: string, signal: AbortSignal): Promise<Response> => {
    const hit = await cache?.match(url).catch(() => undefined);
    if (hit) return hit;
    cached = false;
    const res = await fetch(url, { signal });
    if (!cache) return res;
    if (url === modelUrl && res.ok && res.body) {
      // The second branch is stored as it arrives; an aborted or cut download stores nothing.
      const [mine, theirs] = res.body.tee();
      caching.push(cache.put(url, new Response(theirs, { status: 200, headers: res.headers })).catch(() => undefined));
      return new Response(mine, { status: res.status, headers: res.headers });
    }
    if (res.ok) later.push([url, res.clone()]);
    else if (res.status === 404) later.push([url, new Response(null, { status: 404 })]);
    return res;
  };
  try {
    const ck = await fetchCheckpoint(base, { signal: opts.signal, onProgress: opts.onProgress, checkFits: opts.checkFits, get });
    await Promise.all(caching);
    for (const [url, res] of later) await cache?.put(url, res).catch(() => undefined);
    return { ck, name, cached };
  } catch (e) {
    // A refused file that arrived whole (NaN weights, a short file) is not kept for the next try.
    if (caching.length) void Promise.all(caching).then(() => cache?.delete(modelUrl));
    throw e;
  }
}
