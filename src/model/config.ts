/**
 * Model hyperparameters, their validation, and the Hugging Face `config.json` they map to.
 *
 * Validation runs before anything is allocated, so a bad config or one too big for the GPU is
 * a readable error instead of a WebGPU validation failure halfway through building the model.
 */
import { EngineError } from '../errors';
import { paramLayout } from './params';

export interface GPTConfig {
  n_layer: number;
  n_head: number;
  n_embd: number;
  /** Context length (Hugging Face's n_positions). */
  block_size: number;
  vocab_size: number;
}

/** nanoGPT's "train on a CPU / laptop" Shakespeare recipe (character level, 65 symbols). */
export const TINY_SHAKESPEARE_CONFIG: GPTConfig = Object.freeze({
  n_layer: 4,
  n_head: 4,
  n_embd: 128,
  block_size: 64,
  vocab_size: 65,
});

/** The two adapter limits that decide whether a model fits (GPUSupportedLimits subset). */
export interface DeviceLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** GPT-2's vocabulary size; a checkpoint with it and no tokenizer.json is GPT-2 BPE. */
export const GPT2_VOCAB_SIZE = 50257;
const GPT2_EOT_ID = 50256;
const LAYER_NORM_EPS = 1e-5;

/** Real parameter count (no alignment padding; the tied LM head counted once, as GPT-2 reports 124M). */
export function countParams(c: GPTConfig): number {
  const C = c.n_embd;
  const perLayer = 12 * C * C + 13 * C; // qkv 3C²+3C, attn proj C²+C, mlp 8C²+5C, two layernorms 4C
  return c.vocab_size * C + c.block_size * C + c.n_layer * perLayer + 2 * C;
}

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

function isPositiveInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 1;
}

/** A value as the user wrote it, for error messages (JSON.stringify alone turns NaN into "null"). */
function show(v: unknown): string {
  return typeof v === 'number' || v === undefined ? String(v) : JSON.stringify(v);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Throws EngineError 'BAD_CONFIG' for a malformed config and 'TOO_LARGE' when a buffer would not
 * fit the adapter's limits. Without `limits` only the shape of the config is checked (CPU tools
 * such as checkpoint conversion have no adapter). Without `batch` only the model's own buffers are
 * checked (generation: the decoder needs no (T, vocab) buffers); with it, also the activations of
 * a (batch, seqLen) training step, seqLen defaulting to block_size.
 */
export function validateConfig(c: GPTConfig, limits?: DeviceLimits, batch?: number, seqLen = c.block_size): void {
  if (typeof c !== 'object' || c === null) throw new EngineError('BAD_CONFIG', 'The model config is missing.');
  for (const key of ['n_layer', 'n_head', 'n_embd', 'block_size', 'vocab_size'] as const) {
    const v = c[key];
    if (!isPositiveInt(v)) {
      throw new EngineError('BAD_CONFIG', `${key} must be a positive whole number, but it is ${show(v)}.`);
    }
  }
  if (c.n_embd % c.n_head !== 0) {
    throw new EngineError(
      'BAD_CONFIG',
      `n_embd (${c.n_embd}) must be divisible by n_head (${c.n_head}) so every attention head gets the same width.`,
    );
  }
  if (batch !== undefined && !isPositiveInt(batch)) throw new EngineError('BAD_CONFIG', `The batch size must be a positive whole number, but it is ${show(batch)}.`);
  if (!isPositiveInt(seqLen) || seqLen > c.block_size) throw new EngineError('BAD_CONFIG', `The sequence length must be a whole number from 1 to block_size (${c.block_size}), but it is ${show(seqLen)}.`);
  // Beyond 2^53 bytes sizes stop being exact numbers; nothing that large can be allocated anyway.
  if (!Number.isSafeInteger(countParams(c) * 4 * 4)) {
    throw new EngineError('TOO_LARGE', `This model has ${countParams(c).toExponential(2)} parameters, far more than any GPU can hold.`);
  }
  if (!limits) return;

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

/** config.json as transformers' GPT2Config reads it (GPT2LMHeadModel.from_pretrained works on our exports). */
export function toHfConfig(c: GPTConfig): Record<string, unknown> {
  const json: Record<string, unknown> = {
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    n_layer: c.n_layer,
    n_head: c.n_head,
    n_embd: c.n_embd,
    n_positions: c.block_size,
    n_ctx: c.block_size,
    n_inner: null,
    vocab_size: c.vocab_size,
    layer_norm_epsilon: LAYER_NORM_EPS,
    activation_function: 'gelu_new',
    initializer_range: 0.02,
    tie_word_embeddings: true,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    torch_dtype: 'float32',
  };
  // <|endoftext|> only exists in GPT-2's vocabulary; a character model has no such token.
  if (c.vocab_size >= GPT2_VOCAB_SIZE) {
    json.bos_token_id = GPT2_EOT_ID;
    json.eos_token_id = GPT2_EOT_ID;
  }
  return json;
}

function badConfigJson(msg: string): EngineError {
  return new EngineError('BAD_CHECKPOINT', `config.json: ${msg}`);
}

/**
 * Reads a Hugging Face GPT-2 config.json. Fields left out take GPT2Config's defaults where the
 * default is what we compute (epsilon, activation); options that would change the math are refused.
 */
export function fromHfConfig(json: unknown): GPTConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw badConfigJson('expected a JSON object.');
  const j = json as Record<string, unknown>;
  if (j.model_type !== undefined && j.model_type !== 'gpt2') {
    throw badConfigJson(`model_type is "${String(j.model_type)}"; only GPT-2 models ("gpt2") can be loaded.`);
  }
  const int = (key: string): number => {
    const v = j[key];
    if (v === undefined) throw badConfigJson(`the field "${key}" is missing.`);
    if (!isPositiveInt(v)) throw badConfigJson(`"${key}" must be a positive whole number, but it is ${show(v)}.`);
    return v;
  };
  // Old GPT-2 configs name the context length n_ctx only.
  const contextLength = (): number => {
    const key = j.n_positions !== undefined ? 'n_positions' : j.n_ctx !== undefined ? 'n_ctx' : undefined;
    if (!key) throw badConfigJson('the context length is missing (neither "n_positions" nor "n_ctx" is present).');
    return int(key);
  };
  const config: GPTConfig = {
    n_layer: int('n_layer'),
    n_head: int('n_head'),
    n_embd: int('n_embd'),
    block_size: contextLength(),
    vocab_size: int('vocab_size'),
  };

  const act = j.activation_function ?? 'gelu_new';
  // gelu_pytorch_tanh is the same tanh approximation, just computed by a fused PyTorch kernel.
  if (act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') {
    throw badConfigJson(`activation_function is "${String(act)}"; this engine only implements GPT-2's tanh GELU ("gelu_new" or "gelu_pytorch_tanh").`);
  }
  const eps = j.layer_norm_epsilon ?? LAYER_NORM_EPS;
  if (eps !== LAYER_NORM_EPS) {
    throw badConfigJson(`layer_norm_epsilon is ${show(eps)}; this engine's layernorm uses 1e-5 (GPT-2's value).`);
  }
  if (j.n_inner !== undefined && j.n_inner !== null && j.n_inner !== 4 * config.n_embd) {
    throw badConfigJson(`n_inner is ${show(j.n_inner)}; only the standard MLP width 4 × n_embd (${4 * config.n_embd}) is supported.`);
  }
  if (j.scale_attn_weights === false) throw badConfigJson('scale_attn_weights is false; only standard 1/√head_size attention scaling is supported.');
  if (j.scale_attn_by_inverse_layer_idx === true) throw badConfigJson('scale_attn_by_inverse_layer_idx is true; this engine does not implement it.');
  if (j.add_cross_attention === true) throw badConfigJson('add_cross_attention is true; encoder-decoder GPT-2 models are not supported.');

  try {
    validateConfig(config);
  } catch (e) {
    throw badConfigJson((e as Error).message);
  }
  return config;
}
