/** Model directories on disk for the CLI and tests (the browser builds the same files in memory). */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors';
import { CONFIG_FILE, decodeCheckpoint, encodeCheckpoint, MODEL_FILE, TOKENIZER_FILE, type Checkpoint } from '../model/checkpoint';
import { fetchCheckpoint, resolveSource, type FetchProgress } from '../model/checkpoint-url';
import type { ModelCard } from '../model/hf-files';
import { unpack } from '../model/model-zip';

/**
 * Writes model.safetensors, config.json, tokenizer.json and the rest (README.md with a card; see hf-files.ts) into `dir` (created if needed). Each
 * file is written under a temporary name and renamed, so an interrupted save (Ctrl-C during
 * training) never leaves a half-written checkpoint behind.
 */
export async function saveModelDir(dir: string, ck: Checkpoint, card?: ModelCard): Promise<void> {
  const files = encodeCheckpoint(ck, card);
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of files) await writeFile(join(dir, `.${name}.partial`), bytes);
  for (const name of files.keys()) await rename(join(dir, `.${name}.partial`), join(dir, name));
}

/**
 * Loads a model directory (ours, or a Hugging Face GPT-2 one: only the three files are read), a
 * .zip of one, as the page's "Download" saves it, or the URL of one (http(s); a Hugging Face
 * repository page means its files), streamed through the same reader as the page's "Load from URL".
 */
export async function loadModelDir(dir: string, onProgress: (p: FetchProgress) => void = downloadBar): Promise<Checkpoint> {
  if (/^https?:\/\//i.test(dir)) {
    const ck = await fetchCheckpoint(resolveSource(dir).base, { onProgress });
    if (process.stderr.isTTY) process.stderr.write('\n');
    return ck;
  }
  const info = await stat(dir).catch(() => undefined);
  if (info?.isFile() && dir.toLowerCase().endsWith('.zip')) return decodeCheckpoint(unpack([{ name: dir, bytes: new Uint8Array(await readFile(dir)) }]));
  if (!info?.isDirectory()) throw new EngineError('BAD_CHECKPOINT', `There is no model directory (or .zip) at ${dir}.`);
  const files = new Map<string, Uint8Array>();
  for (const name of [MODEL_FILE, CONFIG_FILE, TOKENIZER_FILE]) {
    const bytes = await readFile(join(dir, name)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined; // decodeCheckpoint says which file is missing and why it matters
      throw new EngineError('BAD_CHECKPOINT', `Cannot read ${join(dir, name)}: ${e.message}`);
    });
    if (bytes) files.set(name, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return decodeCheckpoint(files);
}

/** "downloading 12.3 / 500.0 MB" on stderr, redrawn in place on a TTY (nothing in logs). */
function downloadBar(p: FetchProgress): void {
  if (!process.stderr.isTTY) return;
  const mb = (n: number) => (n / 1e6).toFixed(1);
  process.stderr.write(`\rdownloading ${mb(p.loaded)}${p.total ? ` / ${mb(p.total)}` : ''} MB\x1b[K`);
}
