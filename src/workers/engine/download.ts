/**
 * Downloads of a model directory in the worker, streamed so the page can show bytes as they
 * arrive. The three files are requested together: their sizes (Content-Length) are known as soon
 * as the headers arrive, so the total is known before the big file streams.
 */
import { EngineError } from '../../errors';
import type { LoadProgress } from '../api';

/** At most one progress report per this many milliseconds (each one is a message to the page). */
const REPORT_EVERY_MS = 100;

/** Fetches `${base}/${name}` for every name; a 404 leaves the file out (tokenizer.json is optional). */
export async function downloadFiles(base: string, names: string[], onProgress?: (p: LoadProgress) => void): Promise<Map<string, Uint8Array>> {
  const responses = await Promise.all(
    names.map(async (name) => {
      let res: Response;
      try {
        res = await fetch(`${base}/${name}`);
      } catch (e) {
        throw new EngineError('BAD_CHECKPOINT', `Could not download ${name}: ${(e as Error).message}. Check the connection and reload.`);
      }
      if (res.status === 404) return undefined;
      if (!res.ok) throw new EngineError('BAD_CHECKPOINT', `Could not download ${name}: HTTP ${res.status}`);
      return { name, res };
    }),
  );
  const present = responses.filter((r) => r !== undefined);
  // Content-Length is the encoded size: with compression the bytes read exceed it, and then no total is claimed.
  const lengths = present.map((r) => Number(r.res.headers.get('content-length') ?? NaN));
  let total: number | undefined = lengths.every((n) => Number.isFinite(n) && n > 0) ? lengths.reduce((a, b) => a + b, 0) : undefined;
  let loaded = 0;
  let last = 0;
  const report = (force: boolean) => {
    const now = performance.now();
    if (!onProgress || (!force && now - last < REPORT_EVERY_MS)) return;
    last = now;
    if (total !== undefined && loaded > total) total = undefined;
    onProgress({ loaded, total });
  };
  report(true);
  const files = new Map<string, Uint8Array>();
  await Promise.all(
    present.map(async ({ name, res }) => {
      if (!res.body) {
        const bytes = new Uint8Array(await res.arrayBuffer());
        loaded += bytes.length;
        files.set(name, bytes);
        return;
      }
      const chunks: Uint8Array[] = [];
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.length;
        report(false);
      }
      const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let o = 0;
      for (const c of chunks) {
        bytes.set(c, o);
        o += c.length;
      }
      files.set(name, bytes);
    }),
  );
  report(true);
  return files;
}
