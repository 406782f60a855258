/**
 * The memory estimate: which GPU buffers a model (and a training step of batch B, length T) needs,
 * and whether they fit the adapter's limits. Checked before anything is allocated, so a model too
 * big for the GPU is a readable TOO_LARGE error instead of a WebGPU failure halfway through building.
 */
import { EngineError } from '../errors';
import { countParams, type DeviceLimits, type GPTConfig } from './hparams';
import { paramLayout } from './params';

/**
 * One kind of GPU buffer the engine allocates: `count` buffers of `bytes` each. Kernels bind at
 * most `largestBinding` bytes of one of them at a time (a parameter-sized buffer is bound one
 * tensor at a time, so its largest binding is its largest tensor).
 */
export interface BufferEstimate {
  name: string;
  /** 'model': sized by the config alone (parameters and their training state); 'batch': by (B, T). */
  kind: 'model' | 'batch';
  bytes: number;
  count: number;
  largestBinding: number;
  /** What the user can change to shrink it. */
  fix: string;
}

/**
 * The buffers training with batch B and T (default block_size) needs (fp32), following the engine's
 * allocation plan: GPT's constructor (parameter-sized buffers), GPT.allocActivations (one buffer
 * per activation per layer; attention keeps only its log-sum-exp, never a (T,T) score matrix)
 * and the trainer (a backup of the last good weights). Keep in step with those when they change.
 * Inference needs a subset, so a config that passes for training also fits generation.
 */
export function estimateBuffers(c: GPTConfig, batch: number, seqLen = c.block_size): BufferEstimate[] {
  const layout = paramLayout(c);
  const paramBytes = layout.totalFloats * 4;
  // wte is bound in row chunks that fit (GPT.wteChunks); every other tensor is bound whole.
  // (A loop, no spread: deep models list 10⁵ tensors.)
  const largestTensor = layout.tensors.reduce((m, t) => (t.name === 'wte.weight' ? m : Math.max(m, t.size)), 0) * 4;
  const shrinkModel = 'use fewer layers, a smaller n_embd or a smaller vocabulary';
  const shrinkBatch = 'reduce the batch size or block_size';
  const N = batch * seqLen;
  const C = c.n_embd;
  const L = c.n_layer;
  const act = (name: string, floats: number, count: number, fix = shrinkBatch): BufferEstimate => ({
    name,
    kind: 'batch',
    bytes: floats * 4,
    count,
    largestBinding: floats * 4,
    fix,
  });
  return [
    // Kernels bind parameter-sized buffers one tensor, or one binding-sized chunk, at a time.
    { name: 'parameters', kind: 'model', bytes: paramBytes, count: 1, largestBinding: largestTensor, fix: shrinkModel },
    { name: 'gradients, Adam moments and weight backup', kind: 'model', bytes: paramBytes, count: 4, largestBinding: largestTensor, fix: shrinkModel },
    act('(B,T,C) activations', N * C, 5 * L + 5), // per layer: ln1 atty res2 ln2 res3; encoded scratch lnf; 2 gradients
    act('(B,T,3C) attention q,k,v', N * 3 * C, L + 1), // + its gradient
    act('(B,T,4C) MLP hidden', N * 4 * C, 2 * L + 2), // fch and gelu(fch), + their gradients
    act('(B,T,vocab) logits', N * c.vocab_size, 1, `${shrinkBatch}, or use a smaller vocabulary`),
    act('(B,heads,T) attention statistics', batch * c.n_head * seqLen, L + 1),
    act('(B,T) per-token values', N, 4 * L + 5), // layernorm means/rstds, tokens, targets, losses
    act('token buckets', 3 * N + 1, 1),
  ];
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

