/**
 * The GPT's GPU buffers as data: every buffer a model, and one (B, T) batch of it, allocates, with
 * its label and size. GPT allocates exactly these (gpt.ts: the constructor and allocActivations)
 * and the memory estimate adds up exactly these (memory.ts), so the two cannot disagree
 * (memory.test.ts measures the allocation with gpuBytesInUse).
 *
 * Letters as in gpt.ts: B batch, T time, C channels, V vocab, L layers, NH heads, N = B*T rows.
 */
import { alignUp, VIEW_ALIGN } from '../gpu/buffers';
import { packedRowWords } from '../kernels/packed16';
import type { GPTConfig } from './hparams';
import { paramLayout } from './params';

/** What a buffer is for: the rows of the memory plan the Train tab shows. */
export type BufferRole = 'weights' | 'gradients' | 'adam' | 'backup' | 'activations';

/** What the user can change to shrink a buffer, by what sizes it. */
export const SHRINK = {
  model: 'use fewer layers, a smaller n_embd or a smaller vocabulary',
  batch: 'reduce the batch size or block_size',
  batchAndVocab: 'reduce the batch size or block_size, or use a smaller vocabulary',
} as const;

/** One fp32 storage buffer of the plan. */
export interface BufferSpec {
  /** The GPU label. */
  label: string;
  floats: number;
  role: BufferRole;
  /** The kind of buffer the estimate groups it under and names in TOO_LARGE messages, e.g. '(B,T,C) activations'. */
  group: string;
  /** Most floats one shader binds at once: a parameter-sized buffer is bound a tensor (or wte chunk) at a time. */
  bindingFloats: number;
  /** What the user can change to shrink it. */
  fix: string;
}

/** Parameter-sized buffers, laid out by paramLayout: the weights, and for training their gradient, AdamW moments and last good copy. */
export interface ModelBuffers<B = GPUBuffer> {
  params: B;
  grads?: B;
  m?: B;
  v?: B;
  /** The weights of the last step whose loss was finite (the trainer restores them on divergence). */
  lastGood?: B;
}

/** Activations of one layer for an (N = B*T)-row batch, kept for the backward pass. */
export interface LayerActs<B = GPUBuffer> {
  ln1: B; // (N, C)
  ln1Mean: B; // (N)
  ln1Rstd: B; // (N)
  qkv: B; // (N, 3C)
  atty: B; // (N, C) attention output before c_proj
  lse: B; // (B, NH, T) log-sum-exp of each query row
  res2: B; // (N, C) residual after attention
  ln2: B; // (N, C)
  ln2Mean: B;
  ln2Rstd: B;
  fch: B; // (N, 4C) c_fc output before GELU
  fchGelu: B; // (N, 4C)
  res3: B; // (N, C) residual after MLP = next layer's input
}

/** All buffers of one (B, T) shape: inputs, activations, outputs and (for training) backward scratch. */
export interface ActivationBuffers<B = GPUBuffer> {
  tokens: B; // (N) u32
  targets: B; // (N) u32
  buckets: B; // (3N+1) u32, packTokenBuckets(tokens) for the deterministic embedding backward
  encoded: B; // (N, C)
  layers: LayerActs<B>[];
  scratch: B; // (N, C) c_proj outputs, added into the residual right away
  lnf: B; // (N, C)
  lnfMean: B;
  lnfRstd: B;
  logits: B; // (N, V); holds dlogits after a training forward
  losses: B; // (N)
  loss: B; // (1) mean loss
  /** (1) u32: the dropout seed of the current step, written by the trainer (training buffers only). */
  seed?: B;
  back?: {
    dresidual: B; // (N, C) gradient of the residual stream, accumulated
    dnc: B; // (N, C)
    dqkv: B; // (N, 3C)
    dfch: B; // (N, 4C)
    dfchGelu: B; // (N, 4C)
    delta: B; // (B, NH, T) attention backward scratch
  };
}

/**
 * Which parameters a model keeps on the GPU in f32: 'all', or only 'vectors' (the 1-D tensors, the
 * layout's tail from decayFloats) for a model that generates from a 16-bit copy of its matrices
 * (planWeights16) and never trains.
 */
export type ParamsKept = 'all' | 'vectors';

/** The parameter-sized buffers of a model; `training` adds gradients, AdamW moments and the last good weights. */
export function planModel(c: GPTConfig, training: boolean, kept: ParamsKept = 'all'): ModelBuffers<BufferSpec> {
  const layout = paramLayout(c);
  if (kept === 'vectors' && training) throw new Error('a model that keeps only its vectors cannot train');
  // wte is bound in row chunks that fit (GPT.wteChunks); every other tensor is bound whole.
  // (A loop, no spread: deep models list 10⁵ tensors.)
  const largestTensor = layout.tensors.reduce((m, t) => (t.name === 'wte.weight' || (kept === 'vectors' && t.offset < layout.decayFloats) ? m : Math.max(m, t.size)), 0);
  const spec = (label: string, role: BufferRole, group: string): BufferSpec => ({ label, floats: layout.totalFloats, role, group, bindingFloats: largestTensor, fix: SHRINK.model });
  const params = spec('params', 'weights', 'parameters');
  if (kept === 'vectors') params.floats -= layout.decayFloats;
  if (!training) return { params };
  return {
    params,
    grads: spec('grads', 'gradients', 'gradients'),
    m: spec('adam.m', 'adam', 'Adam moments'),
    v: spec('adam.v', 'adam', 'Adam moments'),
    lastGood: spec('train.last_good', 'backup', 'weight backup'),
  };
}

/** Where one matrix lies in the 16-bit copy: its shape and its first byte. */
export interface Placed16 {
  rows: number;
  cols: number;
  /** Bytes from the start of the buffer (256-byte aligned). */
  offset: number;
}

/**
 * The decoder's 16-bit copy of the weight matrices (src/model/f16.ts allocates exactly this): one
 * buffer holding every 2-D parameter (wte, wpe, each layer's four matrices) in packed
 * half-precision rows (src/kernels/packed16.ts), each at a 256-byte aligned offset.
 */
export function layout16(c: GPTConfig): { placed: Map<string, Placed16>; bytes: number } {
  const placed = new Map<string, Placed16>();
  let bytes = 0;
  for (const t of paramLayout(c).tensors) {
    if (t.shape.length !== 2) continue;
    const [rows, cols] = t.shape as [number, number];
    placed.set(t.name, { rows, cols, offset: bytes });
    bytes = alignUp(bytes + rows * packedRowWords(cols) * 4, VIEW_ALIGN);
  }
  return { placed, bytes };
}

/** The 16-bit copy as a buffer of the plan (bound a matrix, or a wte chunk, at a time, like the f32 parameters). */
export function planWeights16(c: GPTConfig): BufferSpec {
  const { placed, bytes } = layout16(c);
  let largest = 0;
  for (const [name, t] of placed) if (name !== 'wte.weight') largest = Math.max(largest, t.rows * packedRowWords(t.cols));
  return { label: 'decode.weights16', floats: bytes / 4, role: 'weights', group: '16-bit weights', bindingFloats: largest, fix: SHRINK.model };
}

/** Every buffer one (B, T) batch needs; `training` adds the backward scratch and the dropout seed. */
export function planActivations(c: GPTConfig, B: number, T: number, training: boolean): ActivationBuffers<BufferSpec> {
  const { n_layer: L, n_embd: C, n_head: NH, vocab_size: V } = c;
  const N = B * T;
  const act =
    (group: string, floats: number, fix: string = SHRINK.batch) =>
    (label: string): BufferSpec => ({ label, floats, role: 'activations', group, bindingFloats: floats, fix });
  const nc = act('(B,T,C) activations', N * C);
  const n3c = act('(B,T,3C) attention q,k,v', N * 3 * C);
  const n4c = act('(B,T,4C) MLP hidden', N * 4 * C);
  const stats = act('(B,heads,T) attention statistics', B * NH * T);
  const perToken = act('(B,T) per-token values', N);
  const one = act('scalars', 1);
  const layers: LayerActs<BufferSpec>[] = [];
  for (let l = 0; l < L; l++) {
    layers.push({
      ln1: nc(`h${l}.ln1`),
      ln1Mean: perToken(`h${l}.ln1.mean`),
      ln1Rstd: perToken(`h${l}.ln1.rstd`),
      qkv: n3c(`h${l}.qkv`),
      atty: nc(`h${l}.atty`),
      lse: stats(`h${l}.lse`),
      res2: nc(`h${l}.res2`),
      ln2: nc(`h${l}.ln2`),
      ln2Mean: perToken(`h${l}.ln2.mean`),
      ln2Rstd: perToken(`h${l}.ln2.rstd`),
      fch: n4c(`h${l}.fch`),
      fchGelu: n4c(`h${l}.fch_gelu`),
      res3: nc(`h${l}.res3`),
    });
  }
  const plan: ActivationBuffers<BufferSpec> = {
    tokens: perToken('tokens'),
    targets: perToken('targets'),
    buckets: act('token buckets', 3 * N + 1)('buckets'),
    encoded: nc('encoded'),
    layers,
    scratch: nc('scratch'),
    lnf: nc('lnf'),
    lnfMean: perToken('lnf.mean'),
    lnfRstd: perToken('lnf.rstd'),
    logits: act('(B,T,vocab) logits', N * V, SHRINK.batchAndVocab)('logits'),
    losses: perToken('losses'),
    loss: one('loss'),
  };
  if (training) {
    plan.back = { dresidual: nc('dresidual'), dnc: nc('dnc'), dqkv: n3c('dqkv'), dfch: n4c('dfch'), dfchGelu: n4c('dfch_gelu'), delta: stats('attn.delta') };
    plan.seed = one('dropout.seed');
  }
  return plan;
}

/** A plan with every BufferSpec replaced by what `make` returns for it (the same shape, GPU buffers at the leaves). */
export type Allocated<P> = P extends BufferSpec ? GPUBuffer : P extends readonly (infer E)[] ? Allocated<E>[] : { [K in keyof P]: Allocated<P[K]> };

function isSpec(x: unknown): x is BufferSpec {
  return typeof x === 'object' && x !== null && 'label' in x && 'floats' in x;
}

/** Builds a plan's buffers through `make`, in the plan's order (depth first). */
export function allocatePlan<P extends object>(plan: P, make: (s: BufferSpec) => GPUBuffer): Allocated<P> {
  const walk = (x: unknown): unknown => {
    if (isSpec(x)) return make(x);
    if (Array.isArray(x)) return x.map(walk);
    if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, walk(v)]));
    return x;
  };
  return walk(plan) as Allocated<P>;
}

/** The buffers of a plan, in allocation order. */
export function specsOf(plan: object): BufferSpec[] {
  const out: BufferSpec[] = [];
  allocatePlan(plan, (s) => {
    out.push(s);
    return undefined as unknown as GPUBuffer;
  });
  return out;
}
