/**
 * The model directory, as bytes so browser (file picker, downloads) and Node (src/node/model-dir.ts)
 * share it:
 *   model.safetensors  Hugging Face GPT-2 tensor names and Conv1D layouts, F32
 *   config.json        transformers' GPT2Config (see toHfConfig)
 *   tokenizer.json     our tokenizer description (see tokenizer.ts)
 * GPT2LMHeadModel.from_pretrained(dir) loads our exports, and we load Hugging Face's GPT-2 checkpoints.
 */
import { EngineError } from '../errors';
import { countParams, fromHfConfig, GPT2_VOCAB_SIZE, toHfConfig, validateConfig, type GPTConfig } from './config';
import { paramLayout } from './params';
import { readSafetensors, writeSafetensors } from './safetensors';
import { Gpt2Tokenizer, tokenizerFromJSON, type Tokenizer } from './tokenizer';

export interface Checkpoint {
  config: GPTConfig;
  tokenizer: Tokenizer;
  /** Laid out by paramLayout(config). */
  params: Float32Array;
}

export const MODEL_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';
export const TOKENIZER_FILE = 'tokenizer.json';

/** GPT2LMHeadModel.save_pretrained's key prefix for the transformer body. */
const PREFIX = 'transformer.';
const LM_HEAD = 'lm_head.weight';

/**
 * Size caps checked before a JSON file is decoded (files come from strangers). GPT-2's config.json
 * is under 1 kB; a character vocabulary of every Unicode code point is about 8 MB of JSON, and
 * Hugging Face's GPT-2 tokenizer.json 1.4 MB.
 */
const MAX_CONFIG_BYTES = 1_000_000;
const MAX_TOKENIZER_BYTES = 16_000_000;

function fail(msg: string): never {
  throw new EngineError('BAD_CHECKPOINT', msg);
}

/** Causal-mask buffers old GPT-2 checkpoints carry (h.N.attn.bias, h.N.attn.masked_bias): not parameters. */
function isMaskBuffer(name: string): boolean {
  return /^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$/.test(name);
}

function checkTokenizerFits(tokenizer: Tokenizer, config: GPTConfig): void {
  if (tokenizer.vocabSize > config.vocab_size) {
    fail(`The tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab_size is only ${config.vocab_size}.`);
  }
}

/** The files of a model directory. Keys carry the `transformer.` prefix; the tied lm_head is omitted. */
export function encodeCheckpoint(ck: Checkpoint): Map<string, Uint8Array> {
  validateConfig(ck.config);
  checkTokenizerFits(ck.tokenizer, ck.config);
  const layout = paramLayout(ck.config);
  if (ck.params.length !== layout.totalFloats) {
    throw new EngineError('BAD_CONFIG', `The parameters hold ${ck.params.length} floats but this config's layout needs ${layout.totalFloats}.`);
  }
  // Model order (embeddings, layers in order, final layernorm), as a state_dict lists them.
  const tensors = [...layout.tensors]
    .sort((a, b) => tensorRank(a.name) - tensorRank(b.name))
    .map((t) => ({ name: PREFIX + t.name, shape: t.shape, data: ck.params.subarray(t.offset, t.offset + t.size) }));
  const utf8 = new TextEncoder();
  return new Map([
    // transformers refuses safetensors files without metadata format "pt".
    [MODEL_FILE, writeSafetensors(tensors, { format: 'pt' })],
    [CONFIG_FILE, utf8.encode(JSON.stringify(toHfConfig(ck.config), null, 2) + '\n')],
    [TOKENIZER_FILE, utf8.encode(JSON.stringify(ck.tokenizer.toJSON()) + '\n')],
  ]);
}

const LAYER_ORDER = ['ln_1.weight', 'ln_1.bias', 'attn.c_attn.weight', 'attn.c_attn.bias', 'attn.c_proj.weight', 'attn.c_proj.bias',
  'ln_2.weight', 'ln_2.bias', 'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias'];

/** Sort key for the state_dict order: wte, wpe, h.0.*, h.1.*, ..., ln_f. */
function tensorRank(name: string): number {
  if (name === 'wte.weight') return 0;
  if (name === 'wpe.weight') return 1;
  const m = /^h\.(\d+)\.(.+)$/.exec(name);
  if (m) return 2 + Number(m[1]) * LAYER_ORDER.length + LAYER_ORDER.indexOf(m[2]!);
  return Number.MAX_SAFE_INTEGER - (name === 'ln_f.weight' ? 1 : 0);
}

/** Finds a file by name; a browser directory pick may give paths like "gpt2/config.json". */
function findFile(files: Map<string, Uint8Array>, name: string): Uint8Array | undefined {
  const exact = files.get(name);
  if (exact) return exact;
  const matches = [...files.keys()].filter((k) => k.split(/[\\/]/).pop() === name);
  if (matches.length > 1) fail(`Several files are named ${name} (${matches.join(', ')}); pick one model directory.`);
  return matches.length === 1 ? files.get(matches[0]!) : undefined;
}

function parseJsonFile(bytes: Uint8Array, name: string, maxBytes: number): unknown {
  if (bytes.length > maxBytes) {
    fail(`${name} is ${(bytes.length / 1e6).toFixed(1)} MB; a ${name} is at most ${maxBytes / 1e6} MB, so this is not one (or it is damaged).`);
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    fail(`${name} is not valid JSON (${(e as Error).message}).`);
  }
}

/** A list for an error message, cut short when long. */
function listNames(names: string[], max = 8): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/**
 * Reads a model directory: ours or a Hugging Face GPT-2 (keys with or without `transformer.`,
 * tied lm_head.weight, mask buffers). Every tensor's presence and shape is checked against the
 * config; the error names what is missing, unexpected or misshapen.
 */
export function decodeCheckpoint(files: Map<string, Uint8Array>): Checkpoint {
  const configBytes = findFile(files, CONFIG_FILE);
  if (!configBytes) fail(`The model directory has no ${CONFIG_FILE}.`);
  const config = fromHfConfig(parseJsonFile(configBytes, CONFIG_FILE, MAX_CONFIG_BYTES));

  const tokBytes = findFile(files, TOKENIZER_FILE);
  let tokenizer: Tokenizer;
  // The vocabulary may not be larger than the model's: checked before the tokenizer is built.
  if (tokBytes) tokenizer = tokenizerFromJSON(parseJsonFile(tokBytes, TOKENIZER_FILE, MAX_TOKENIZER_BYTES), config.vocab_size);
  else if (config.vocab_size === GPT2_VOCAB_SIZE) tokenizer = new Gpt2Tokenizer();
  else fail(`The model directory has no ${TOKENIZER_FILE}, and its vocab_size ${config.vocab_size} is not GPT-2's ${GPT2_VOCAB_SIZE}, so its tokenizer is unknown.`);
  checkTokenizerFits(tokenizer, config);

  const modelBytes = findFile(files, MODEL_FILE);
  if (!modelBytes) {
    fail(`The model directory has no ${MODEL_FILE}. Only safetensors checkpoints can be loaded (convert pytorch_model.bin with transformers' save_pretrained(..., safe_serialization=True)); sharded checkpoints are not supported.`);
  }
  const raw = readSafetensors(modelBytes, { fileName: MODEL_FILE, skip: isMaskBuffer });

  // Drop the prefix, refusing files that hold one tensor under both spellings.
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [key, t] of raw) {
    const name = key.startsWith(PREFIX) ? key.slice(PREFIX.length) : key;
    if (tensors.has(name)) fail(`${MODEL_FILE} holds ${name} twice (with and without the "${PREFIX}" prefix).`);
    tensors.set(name, t);
  }

  checkRoughSize(tensors, config);
  const layout = paramLayout(config);
  const params = new Float32Array(layout.totalFloats);
  const missing: string[] = [];
  const misshapen: string[] = [];
  for (const spec of layout.tensors) {
    const t = tensors.get(spec.name);
    if (!t) {
      missing.push(spec.name);
      continue;
    }
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      misshapen.push(`${spec.name} is [${t.shape.join(', ')}] but the config needs [${spec.shape.join(', ')}]`);
      continue;
    }
    params.set(t.data, spec.offset);
  }
  const unexpected = [...tensors.keys()].filter((n) => !layout.byName.has(n) && n !== LM_HEAD);
  const problems: string[] = [];
  if (missing.length) problems.push(`missing tensors: ${listNames(missing)}`);
  if (misshapen.length) problems.push(`wrong shapes: ${listNames(misshapen, 4)}`);
  if (unexpected.length) problems.push(`unexpected tensors: ${listNames(unexpected)}`);
  if (problems.length) fail(`${MODEL_FILE} does not match config.json: ${problems.join('; ')}.`);

  checkTiedHead(tensors.get(LM_HEAD), tensors.get('wte.weight')!);
  for (const spec of layout.tensors) checkFinite(params, spec.offset, spec.size, spec.name);
  return { config, tokenizer, params };
}

/**
 * A config.json that describes a model far larger than the weights file (a hostile or mismatched
 * pair) is refused before its layout or parameter buffer is built: both grow with the config, not
 * with the file. Small differences pass on, so the full check can name each missing tensor.
 */
function checkRoughSize(tensors: Map<string, { data: Float32Array }>, config: GPTConfig): void {
  let floats = 0;
  for (const t of tensors.values()) floats += t.data.length;
  const needTensors = 12 * config.n_layer + 4; // wte, wpe, 12 per layer, ln_f weight and bias
  const needFloats = countParams(config);
  if (needTensors > 2 * tensors.size + 64 || needFloats > 2 * floats + 1_000_000) {
    fail(
      `${MODEL_FILE} does not match config.json: the config describes ${config.n_layer} layers and ${needFloats.toLocaleString('en-US')} parameters, ` +
        `but the file holds ${tensors.size} tensors with ${floats.toLocaleString('en-US')} values. Check that both files come from the same model.`,
    );
  }
}

/**
 * NaN or ±Inf in a weight poisons every output (NaN spreads through each matmul): refuse the file at
 * load, naming the tensor and the index, instead of a model that only ever writes U+FFFD.
 */
function checkFinite(params: Float32Array, offset: number, size: number, name: string): void {
  for (let i = 0; i < size; i++) {
    const v = params[offset + i]!;
    if (!Number.isFinite(v)) {
      fail(`${MODEL_FILE}: tensor ${name} holds ${String(v)} at index ${i}. A model with NaN or infinite weights cannot generate; it was probably saved after training diverged. Use an earlier save of it.`);
    }
  }
}

/** The engine ties the output head to wte; an untied head that differs cannot be represented. */
function checkTiedHead(head: { shape: number[]; data: Float32Array } | undefined, wte: { shape: number[]; data: Float32Array }): void {
  if (!head) return;
  let same = head.data.length === wte.data.length;
  for (let i = 0; same && i < head.data.length; i++) same = head.data[i] === wte.data[i] || (Number.isNaN(head.data[i]) && Number.isNaN(wte.data[i]));
  if (!same) {
    fail(`${MODEL_FILE}: ${LM_HEAD} differs from wte.weight. This engine ties the output layer to the token embeddings, so models with a separate output layer cannot be loaded.`);
  }
}
