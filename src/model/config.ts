/**
 * Model hyperparameters, their validation, and the Hugging Face `config.json` they map to.
 *
 * Validation runs before anything is allocated, so a bad config or one too big for the GPU is
 * a readable error instead of a WebGPU validation failure halfway through building the model.
 */
import { EngineError } from '../errors';
import { countParams, type DeviceLimits, type GPTConfig } from './hparams';
import { checkBuffersFit } from './memory';
import { headWidthProblem } from './recipe';

export { countParams, type DeviceLimits, type GPTConfig } from './hparams';

/** nanoGPT's "train on a CPU / laptop" Shakespeare recipe (character level, 65 symbols). */
export const TINY_SHAKESPEARE_CONFIG: GPTConfig = Object.freeze({
  n_layer: 4,
  n_head: 4,
  n_embd: 128,
  block_size: 64,
  vocab_size: 65,
});

/** GPT-2's vocabulary size; a checkpoint with it and no tokenizer.json is GPT-2 BPE. */
export const GPT2_VOCAB_SIZE = 50257;
const GPT2_EOT_ID = 50256;
const LAYER_NORM_EPS = 1e-5;

function isPositiveInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 1;
}

/** A value as the user wrote it, for error messages (JSON.stringify alone turns NaN into "null"). */
function show(v: unknown): string {
  return typeof v === 'number' || v === undefined ? String(v) : JSON.stringify(v);
}

/**
 * Throws EngineError 'BAD_CONFIG' for a malformed config and 'TOO_LARGE' when a buffer would not
 * fit the adapter's limits (the memory estimate: memory.ts). Without `limits` only the shape of the config is checked (CPU tools
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
  const width = headWidthProblem(c.n_embd, c.n_head);
  if (width) throw new EngineError('BAD_CONFIG', width);
  if (batch !== undefined && !isPositiveInt(batch)) throw new EngineError('BAD_CONFIG', `The batch size must be a positive whole number, but it is ${show(batch)}.`);
  if (!isPositiveInt(seqLen) || seqLen > c.block_size) throw new EngineError('BAD_CONFIG', `The sequence length must be a whole number from 1 to block_size (${c.block_size}), but it is ${show(seqLen)}.`);
  // Beyond 2^53 bytes sizes stop being exact numbers; nothing that large can be allocated anyway.
  if (!Number.isSafeInteger(countParams(c) * 4 * 4)) {
    throw new EngineError('TOO_LARGE', `This model has ${countParams(c).toExponential(2)} parameters, far more than any GPU can hold.`);
  }
  if (limits) checkBuffersFit(c, limits, batch, seqLen);
}

/**
 * config.json as transformers' GPT2Config reads it (GPT2LMHeadModel.from_pretrained works on our exports).
 * `eotId` is the vocabulary's <|endoftext|> (the tokenizer knows; by default GPT-2's when the
 * vocabulary is GPT-2's size), or null for none: GPT2Config would otherwise default both to 50256,
 * outside a character vocabulary.
 */
export function toHfConfig(c: GPTConfig, eotId: number | null = c.vocab_size >= GPT2_VOCAB_SIZE ? GPT2_EOT_ID : null): Record<string, unknown> {
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
  // <|endoftext|> only exists in GPT-2's vocabulary; a character model has no such token (null, not absent).
  json.bos_token_id = eotId;
  json.eos_token_id = eotId;
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
    throw badConfigJson(`model_type is ${show(j.model_type)}; only GPT-2 models ("gpt2") can be loaded.`);
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
    throw badConfigJson(`activation_function is ${show(act)}; this engine only implements GPT-2's tanh GELU ("gelu_new" or "gelu_pytorch_tanh").`);
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
