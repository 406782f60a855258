/** Model directories on disk for the CLI and tests (the browser builds the same files in memory). */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { EngineError } from '../errors';
import { CONFIG_FILE, decodeCheckpoint, encodeCheckpoint, MODEL_FILE, TOKENIZER_FILE, type Checkpoint } from '../model/checkpoint';

/**
 * Writes model.safetensors, config.json and tokenizer.json into `dir` (created if needed). Each
 * file is written under a temporary name and renamed, so an interrupted save (Ctrl-C during
 * training) never leaves a half-written checkpoint behind.
 */
export async function saveModelDir(dir: string, ck: Checkpoint): Promise<void> {
  const files = encodeCheckpoint(ck);
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of files) await writeFile(join(dir, `.${name}.partial`), bytes);
  for (const name of files.keys()) await rename(join(dir, `.${name}.partial`), join(dir, name));
}

/**
 * Loads a model directory (ours, or a Hugging Face GPT-2 one: only the three files are read) or a
 * .zip of one, as the page's "Download" saves it.
 */
export async function loadModelDir(dir: string): Promise<Checkpoint> {
  const info = await stat(dir).catch(() => undefined);
  if (info?.isFile() && dir.toLowerCase().endsWith('.zip')) return loadModelZip(dir);
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

/** A .zip of a model directory: its entries by base name (a zipped folder works too). */
async function loadModelZip(path: string): Promise<Checkpoint> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(await readFile(path)));
  } catch (e) {
    throw new EngineError('BAD_CHECKPOINT', `${path} is not a readable zip file (${(e as Error).message}).`);
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, bytes] of Object.entries(entries)) if (!name.endsWith('/')) files.set(name, bytes);
  return decodeCheckpoint(files);
}
