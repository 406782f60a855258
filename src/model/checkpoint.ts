/**
 * The model directory, as bytes so browser (file picker, downloads) and Node (src/node/model-dir.ts)
 * share it:
 *   model.safetensors  Hugging Face GPT-2 tensor names and Conv1D layouts, F32
 *   config.json        transformers' GPT2Config (see toHfConfig)
 *   tokenizer.json     our tokenizer description (see tokenizer.ts)
 * GPT2LMHeadModel.from_pretrained(dir) loads our exports, and we load Hugging Face's GPT-2 checkpoints.
 */
import { EngineError } from '../errors';
import { fromHfConfig, GPT2_VOCAB_SIZE, toHfConfig, validateConfig, type GPTConfig } from './config';
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

function parseJsonFile(bytes: Uint8Array, name: string): unknown {
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
  const config = fromHfConfig(parseJsonFile(configBytes, CONFIG_FILE));

  const tokBytes = findFile(files, TOKENIZER_FILE);
  let tokenizer: Tokenizer;
  if (tokBytes) tokenizer = tokenizerFromJSON(parseJsonFile(tokBytes, TOKENIZER_FILE));
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
  return { config, tokenizer, params };
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
