/**
 * The kernel tuning (matmul and attention) in Node: a JSON file of records (by default ~/.cache/webgpu-gpt/tuning.json,
 * or WEBGPU_GPT_TUNING_FILE), and WEBGPU_GPT_MATMUL to force a choice ('direct8x8', or
 * 'nn=tiled16x16k16,nt=block,tn=block').
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TuneProgress, TuningRecord, TuningStore } from '../gpu/tuner';
import { tuneKernels, type KernelTuningResult, type TuneKernelsOptions } from '../kernels/tune';

export function defaultTuningFile(): string {
  return process.env.WEBGPU_GPT_TUNING_FILE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'webgpu-gpt', 'tuning.json');
}

/** Records keyed by TuningRecord.key in one JSON object; a missing or damaged file is an empty store. */
export function fileTuningStore(path = defaultTuningFile()): TuningStore {
  const read = (): Record<string, TuningRecord> => {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as Record<string, TuningRecord>;
    } catch {
      return {};
    }
  };
  return {
    load: (key) => Promise.resolve(read()[key]),
    save(record) {
      const all = { ...read(), [record.key]: record };
      mkdirSync(dirname(path), { recursive: true });
      // Written aside and renamed, so that a reader never sees half a file.
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n');
      renameSync(tmp, path);
      return Promise.resolve();
    },
  };
}

/** tuneKernels with the file store and WEBGPU_GPT_MATMUL; progress to `log` (stderr by default). */
export function tuneKernelsNode(device: GPUDevice, opts: TuneKernelsOptions & { log?: (line: string) => void } = {}): Promise<KernelTuningResult> {
  const { log = (l: string) => console.error(l), ...rest } = opts;
  const force = rest.force ?? (process.env.WEBGPU_GPT_MATMUL || undefined);
  const onProgress = (p: TuneProgress) => {
    if (p.phase !== 'tuning') log(`[tuner] ${p.message}`);
  };
  return tuneKernels(device, fileTuningStore(), onProgress, { ...rest, force });
}
