/**
 * The files of an imported model: a .zip (its entries, as the page's "Download" writes it, flat or
 * holding a folder) or loose files. Shared by the page's import (src/workers/engine/library.ts) and
 * the CLI's `--model x.zip` (src/node/model-dir.ts); the checkpoint reader then finds the three
 * files by base name.
 */
import { unzipSync } from 'fflate';
import { EngineError } from '../errors';

/** What the entries of an imported .zip may declare in all (GPT-2 medium's F32 weights are 1.4 GB). */
const MAX_UNZIPPED_BYTES = 4 * 2 ** 30;

/** The files of an import: a .zip (its entries, by path) or loose files. */
export function unpack(parts: { name: string; bytes: Uint8Array }[]): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const p of parts) {
    if (p.name.toLowerCase().endsWith('.zip')) {
      let entries: Record<string, Uint8Array>;
      // A "zip bomb" declares far more than it holds: refuse from the sizes its entries declare, before inflating any.
      let declared = 0;
      const filter = (f: { name: string; originalSize: number }) => {
        declared += f.originalSize;
        if (declared > MAX_UNZIPPED_BYTES) {
          throw new EngineError('BAD_CHECKPOINT', `${p.name} unpacks to more than ${MAX_UNZIPPED_BYTES / 2 ** 30} GB, more than a model this page can load. Is it the right file?`);
        }
        return !f.name.endsWith('/');
      };
      try {
        entries = unzipSync(p.bytes, { filter });
      } catch (e) {
        if (e instanceof EngineError) throw e;
        throw new EngineError('BAD_CHECKPOINT', `${p.name} is not a readable zip file (${(e as Error).message}).`);
      }
      for (const [k, v] of Object.entries(entries)) if (!k.endsWith('/')) files.set(k, v);
    } else files.set(p.name, p.bytes);
  }
  return files;
}
