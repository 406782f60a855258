/** Model directories on disk for the CLI and tests (the browser builds the same files in memory). */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/** Loads a model directory: ours, or a Hugging Face GPT-2 one (only the three files are read). */
export async function loadModelDir(dir: string): Promise<Checkpoint> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new EngineError('BAD_CHECKPOINT', `There is no model directory at ${dir}.`);
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
