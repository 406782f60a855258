/**
 * The memory estimate: which GPU buffers a model (and a training step of batch B, length T) needs,
 * and whether they fit the adapter's limits. Checked before anything is allocated, so a model too
 * big for the GPU is a readable TOO_LARGE error instead of a WebGPU failure halfway through building.
 */
import { EngineError } from '../errors';
import { countParams, type DeviceLimits, type GPTConfig } from './hparams';
import { storageSize } from '../gpu/buffers';
import { planActivations, planModel, planWeights16, specsOf, type BufferRole } from './buffer-plan';

/**
 * One kind of GPU buffer the engine allocates: `count` buffers of `bytes` each. Kernels bind at
 * most `largestBinding` bytes of one of them at a time (a parameter-sized buffer is bound one
 * tensor at a time, so its largest binding is its largest tensor).
 */
export interface BufferEstimate {
  name: string;
  /** 'model': sized by the config alone (parameters and their training state); 'batch': by (B, T). */
  kind: 'model' | 'batch';
  role: BufferRole;
  bytes: number;
  count: number;
  largestBinding: number;
  /** What the user can change to shrink it. */
  fix: string;
}

/**
 * The buffers training with batch B and T (default block_size) allocates (fp32), grouped by kind:
 * the GPT's plan (buffer-plan.ts; GPT allocates from the same plan), with the sizes createStorage
 * gives them. Attention keeps only its log-sum-exp, never a (T,T) score matrix. Inference needs a
 * subset, so a config that passes for training also fits generation.
 */
export function estimateBuffers(c: GPTConfig, batch: number, seqLen = c.block_size, training = true): BufferEstimate[] {
  const groups = new Map<string, BufferEstimate>();
  for (const s of [...specsOf(planModel(c, training)), ...specsOf(planActivations(c, batch, seqLen, training))]) {
    const bytes = storageSize(s.floats * 4);
    const key = `${s.group}:${bytes}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { name: s.group, kind: s.role === 'activations' ? 'batch' : 'model', role: s.role, bytes, count: 1, largestBinding: s.bindingFloats * 4, fix: s.fix });
  }
  return [...groups.values()];
}

/** Bytes by role (the memory plan's rows) and in all: exactly what GPT allocates for the model and one (batch, seqLen) batch. */
export function estimateBytes(c: GPTConfig, batch: number, seqLen = c.block_size, training = true): Record<BufferRole | 'total', number> {
  const bytes = { weights: 0, gradients: 0, adam: 0, backup: 0, activations: 0, total: 0 };
  for (const b of estimateBuffers(c, batch, seqLen, training)) {
    bytes[b.role] += b.bytes * b.count;
    bytes.total += b.bytes * b.count;
  }
  return bytes;
}

/**
 * GPU bytes of the weights a model loaded for generation only holds (the page's loaded model, the
 * CLI's generate): '32-bit' its f32 parameters; '16-bit' its 1-D parameters in f32 plus the 16-bit
 * copy of its matrices (src/model/f16.ts), no f32 matrices (about half). The same plan GPT and the
 * 16-bit copy allocate from (memory.test.ts measures both with gpuBytesInUse).
 */
export function generationWeightBytes(c: GPTConfig, weights: '32-bit' | '16-bit'): number {
  const specs = weights === '32-bit' ? specsOf(planModel(c, false)) : [...specsOf(planModel(c, false, 'vectors')), planWeights16(c)];
  return specs.reduce((sum, s) => sum + storageSize(s.floats * 4), 0);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Throws EngineError 'TOO_LARGE' when a buffer of `c` would exceed `limits`, naming the buffer and
 * what to shrink. Without `batch` only the model's own buffers are checked (generation); with it,
 * also the activations of a (batch, seqLen) training step. `c` must have passed validateConfig's
 * shape checks (config.ts, which calls this when given limits).
 */
export function checkBuffersFit(c: GPTConfig, limits: DeviceLimits, batch?: number, seqLen = c.block_size): void {
  // Cheap early exit before building the layout (which lists every tensor) for absurd configs.
  const minParamBytes = countParams(c) * 4;
  if (minParamBytes > limits.maxBufferSize) {
    throw new EngineError(
      'TOO_LARGE',
      `The model's parameters need ${mib(minParamBytes)} in one GPU buffer, but this GPU allows at most ${mib(limits.maxBufferSize)} per buffer (maxBufferSize). Use fewer layers, a smaller n_embd or a smaller vocabulary.`,
    );
  }
  const shape = (b: BufferEstimate) => (b.kind === 'batch' ? ` (batch ${batch}, sequence length ${seqLen})` : '');
  for (const b of estimateBuffers(c, batch ?? 1, seqLen)) {
    if (batch === undefined && b.kind === 'batch') continue;
    if (!Number.isSafeInteger(b.bytes) || b.bytes > limits.maxBufferSize) {
      throw new EngineError(
        'TOO_LARGE',
        `The ${b.name} buffer needs ${mib(b.bytes)}${shape(b)}, but this GPU allows at most ${mib(limits.maxBufferSize)} per buffer (maxBufferSize). To fit, ${b.fix}.`,
      );
    }
    if (b.largestBinding > limits.maxStorageBufferBindingSize) {
      throw new EngineError(
        'TOO_LARGE',
        `A shader would bind ${mib(b.largestBinding)} of the ${b.name} at once${shape(b)}, but this GPU binds at most ${mib(limits.maxStorageBufferBindingSize)} (maxStorageBufferBindingSize). To fit, ${b.fix}.`,
      );
    }
  }
}

