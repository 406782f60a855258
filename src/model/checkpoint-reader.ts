/**
 * The one reader of a model directory (config.json, tokenizer.json, model.safetensors), whatever
 * carries its bytes: files in memory (decodeCheckpoint, below: a file pick, an imported .zip, the
 * browser's library, the CLI's directory), or a stream (src/model/checkpoint-url.ts: a URL, the
 * shipped model). Every check runs on every path, with the same words:
 *   config.json      size cap, JSON, a GPT-2 config; then the transport may refuse it (TOO_LARGE)
 *   tokenizer.json   size cap, JSON, a known tokenizer whose vocabulary fits the model's
 *   model.safetensors  header length and size cap, each tensor's dtype, shape and offsets, no
 *                    overlaps, truncation; every tensor against the config (missing, misshapen,
 *                    unexpected, foreign); a tied head equal to wte; no NaN or Inf in any weight.
 *
 * The reader is a generator that asks its transport for what it needs next (a `Need`) and gets
 * the answer back from `next()`: the same code drives synchronously over bytes and asynchronously
 * over a stream, and the weights file is read front to back once, tensor by tensor straight into
 * the parameter buffer (F32 in place; F16/BF16 through one tensor-sized buffer).
 */
import { EngineError } from '../errors';
import { countParams, fromHfConfig, GPT2_VOCAB_SIZE, type GPTConfig } from './config';
import { paramLayout, type ParamLayout } from './params';
import { checkTruncation, floatDtype, headerLength, parseHeader, toF32, type Dtype, type HeaderEntry } from './safetensors';
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

/**
 * Size caps checked before a JSON file is decoded (files come from strangers). GPT-2's config.json
 * is under 1 kB; a character vocabulary of every Unicode code point is about 8 MB of JSON, and
 * Hugging Face's GPT-2 tokenizer.json 1.4 MB.
 */
const MAX_CONFIG_BYTES = 1_000_000;
const MAX_TOKENIZER_BYTES = 16_000_000;

/** GPT2LMHeadModel.save_pretrained's key prefix for the transformer body. */
export const PREFIX = 'transformer.';
const LM_HEAD = 'lm_head.weight';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** What the reader asks its transport for, in this order: json (config), config, json (tokenizer), weights, then reads and skips. */
export type Need =
  | { kind: 'json'; name: typeof CONFIG_FILE | typeof TOKENIZER_FILE; maxBytes: number }
  | { kind: 'config'; config: GPTConfig }
  | { kind: 'weights' }
  | { kind: 'read'; into: Uint8Array }
  | { kind: 'skip'; bytes: number };

/**
 * The transport's answer to each Need:
 *   json     the file's bytes, or undefined when it is absent
 *   config   nothing; the transport may throw (TOO_LARGE) before the weights are requested
 *   weights  { size } (model.safetensors' size in bytes when known up front: truncation is then
 *            refused from the header), or undefined when it is absent
 *   read / skip  true once `into` is filled (or the bytes skipped), or the file's whole size
 *            when it ended first (a truncated file)
 */
export type Answer = Uint8Array | { size?: number } | number | true | undefined;

type CheckpointReader = Generator<Need, Checkpoint, Answer>;

function fail(msg: string): never {
  throw new EngineError('BAD_CHECKPOINT', msg);
}

/** Refuses a JSON file over its cap, from its size alone (a transport may call it with a Content-Length). */
export function checkJsonSize(name: string, bytes: number, maxBytes: number): void {
  if (bytes > maxBytes) {
    fail(`${name} is ${(bytes / 1e6).toFixed(1)} MB; a ${name} is at most ${maxBytes / 1e6} MB, so this is not one (or it is damaged).`);
  }
}

function parseJsonFile(bytes: Uint8Array, name: string, maxBytes: number): unknown {
  checkJsonSize(name, bytes.length, maxBytes);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    fail(`${name} is not valid JSON (${(e as Error).message}).`);
  }
}

export function checkTokenizerFits(tokenizer: Tokenizer, config: GPTConfig): void {
  if (tokenizer.vocabSize > config.vocab_size) {
    fail(`The tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab_size is only ${config.vocab_size}.`);
  }
}

/** Reads a model directory; see the file comment. Drive it with decodeCheckpoint or a streaming transport. */
export function* readCheckpoint(): CheckpointReader {
  const { config, tokenizer } = yield* readHead();
  return yield* readBody(config, tokenizer);
}

/** config.json and tokenizer.json, every check made (the first part of readCheckpoint). */
function* readHead(): Generator<Need, Omit<Checkpoint, 'params'>, Answer> {
  const configBytes = (yield { kind: 'json', name: CONFIG_FILE, maxBytes: MAX_CONFIG_BYTES }) as Uint8Array | undefined;
  if (!configBytes) fail(`The model directory has no ${CONFIG_FILE}.`);
  const config = fromHfConfig(parseJsonFile(configBytes, CONFIG_FILE, MAX_CONFIG_BYTES));
  yield { kind: 'config', config };

  const tokBytes = (yield { kind: 'json', name: TOKENIZER_FILE, maxBytes: MAX_TOKENIZER_BYTES }) as Uint8Array | undefined;
  let tokenizer: Tokenizer;
  // The vocabulary may not be larger than the model's: checked before the tokenizer is built.
  if (tokBytes) tokenizer = tokenizerFromJSON(parseJsonFile(tokBytes, TOKENIZER_FILE, MAX_TOKENIZER_BYTES), config.vocab_size);
  else if (config.vocab_size === GPT2_VOCAB_SIZE) tokenizer = new Gpt2Tokenizer();
  else fail(`The model directory has no ${TOKENIZER_FILE}, and its vocab_size ${config.vocab_size} is not GPT-2's ${GPT2_VOCAB_SIZE}, so its tokenizer is unknown.`);
  checkTokenizerFits(tokenizer, config);
  return { config, tokenizer };
}

/** config.json and tokenizer.json of a directory in memory, read and checked as readCheckpoint does (the weights left unread). */
export function readConfigAndTokenizer(files: Map<string, Uint8Array>): Omit<Checkpoint, 'params'> {
  const reader = readHead();
  let step = reader.next();
  while (!step.done) step = reader.next(step.value.kind === 'json' ? findFile(files, step.value.name) : undefined);
  return step.value;
}

function* readBody(config: GPTConfig, tokenizer: Tokenizer): CheckpointReader {
  const opened = (yield { kind: 'weights' }) as { size?: number } | undefined;
  if (!opened) {
    fail(`The model directory has no ${MODEL_FILE}. Only safetensors checkpoints can be loaded (convert pytorch_model.bin with transformers' save_pretrained(..., safe_serialization=True)); sharded checkpoints are not supported.`);
  }
  const params = yield* readWeights(config, opened.size);
  return { config, tokenizer, params };
}

/** One tensor to read into the parameters (or the tied head), in file order. */
interface Read {
  name: string;
  dtype: Dtype;
  begin: number;
  end: number;
  /** Float offset in the parameter buffer; undefined for the tied head. */
  offset?: number;
}

/** model.safetensors, front to back: the header, checked against the config, then every tensor. */
function* readWeights(config: GPTConfig, size: number | undefined): Generator<Need, Float32Array, Answer> {
  let at = 0; // bytes of the file read or skipped so far
  /** Fills `into` (or skips that many bytes); when the file ends first, `ended(fileBytes)` refuses it. */
  function* take(into: Uint8Array | number, ended: (fileBytes: number) => void): Generator<Need, void, Answer> {
    const n = typeof into === 'number' ? into : into.length;
    if (n === 0) return;
    const answer = yield typeof into === 'number' ? { kind: 'skip', bytes: into } : { kind: 'read', into };
    if (answer !== true) {
      ended(answer as number);
      fail(`${MODEL_FILE} is truncated (${String(answer)} bytes).`); // ended() always refuses first
    }
    at += n;
  }

  const first8 = new Uint8Array(8);
  yield* take(first8, (n) => headerLength(first8, MODEL_FILE, n));
  const headerLen = headerLength(first8, MODEL_FILE, size);
  const headerBytes = new Uint8Array(headerLen);
  yield* take(headerBytes, (n) => headerLength(first8, MODEL_FILE, n));
  const dataStart = 8 + headerLen;
  const entries = parseHeader(headerBytes, MODEL_FILE, size === undefined ? undefined : size - dataStart);
  const { layout, reads, dataEnd } = planReads(entries, config);

  const truncated = (n: number) => checkTruncation(entries, MODEL_FILE, n - dataStart);
  const params = new Float32Array(layout.totalFloats);
  let head: Float32Array | undefined;
  for (const r of reads) {
    yield* take(dataStart + r.begin - at, truncated);
    const n = r.end - r.begin;
    if (r.offset !== undefined && r.dtype === 'F32' && LITTLE_ENDIAN) {
      yield* take(new Uint8Array(params.buffer, r.offset * 4, n), truncated); // in place
      continue;
    }
    const raw = new Uint8Array(n);
    yield* take(raw, truncated);
    if (r.offset === undefined) head = toF32(raw, r.dtype);
    else toF32(raw, r.dtype, params.subarray(r.offset, r.offset + n / (r.dtype === 'F32' ? 4 : 2)));
  }
  // Through the end of the last tensor (mask buffers included), so a cut file is refused on every path.
  yield* take(dataStart + dataEnd - at, truncated);

  if (head) checkTiedHead(head, params, layout);
  for (const spec of layout.tensors) checkFinite(params, spec.offset, spec.size, spec.name);
  return params;
}

/** Causal-mask buffers old GPT-2 checkpoints carry (h.N.attn.bias, h.N.attn.masked_bias): not parameters. */
function isMaskBuffer(name: string): boolean {
  return /^h\.\d+\.attn\.(bias|masked_bias)$/.test(name);
}

/** A list for an error message, cut short when long. */
function listNames(names: string[], max = 8): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/**
 * Checks the header's tensors against the config, before any data is read: ours or a Hugging Face
 * GPT-2 (keys with or without `transformer.`, tied lm_head.weight, mask buffers of any dtype).
 * The error names what is missing, unexpected or misshapen. Returns the reads in file order.
 */
function planReads(entries: HeaderEntry[], config: GPTConfig): { layout: ParamLayout; reads: Read[]; dataEnd: number } {
  // Drop the prefix, refusing files that hold one tensor under both spellings.
  const tensors = new Map<string, HeaderEntry & { dtype: Dtype }>();
  for (const e of entries) {
    const name = e.name.startsWith(PREFIX) ? e.name.slice(PREFIX.length) : e.name;
    if (isMaskBuffer(name)) continue;
    const dtype = floatDtype(e, MODEL_FILE);
    if (tensors.has(name)) fail(`${MODEL_FILE} holds ${name} twice (with and without the "${PREFIX}" prefix).`);
    tensors.set(name, { ...e, dtype });
  }
  const names = [...tensors.keys()];
  if (!tensors.has('wte.weight') && !names.some((n) => n.startsWith('h.0.'))) {
    const held = names.length ? `its tensors are named ${listNames(names, 4)}` : 'it holds no tensors';
    fail(`${MODEL_FILE}: this is not a GPT-2 checkpoint: ${held} (a GPT-2 has wte.weight, h.0.attn.c_attn.weight, …).`);
  }

  checkRoughSize(tensors, config);
  const layout = paramLayout(config);
  const reads: Read[] = [];
  const missing: string[] = [];
  const misshapen: string[] = [];
  for (const spec of layout.tensors) {
    const t = tensors.get(spec.name);
    if (!t) missing.push(spec.name);
    else if (!sameShape(t.shape, spec.shape)) misshapen.push(`${spec.name} is [${t.shape.join(', ')}] but the config needs [${spec.shape.join(', ')}]`);
    else reads.push({ name: spec.name, dtype: t.dtype, begin: t.begin, end: t.end, offset: spec.offset });
  }
  const unexpected = names.filter((n) => !layout.byName.has(n) && n !== LM_HEAD);
  const problems: string[] = [];
  if (missing.length) problems.push(`missing tensors: ${listNames(missing)}`);
  if (misshapen.length) problems.push(`wrong shapes: ${listNames(misshapen, 4)}`);
  if (unexpected.length) problems.push(`unexpected tensors: ${listNames(unexpected)}`);
  if (problems.length) fail(`${MODEL_FILE} does not match config.json: ${problems.join('; ')}.`);

  const head = tensors.get(LM_HEAD);
  if (head) {
    if (!sameShape(head.shape, layout.byName.get('wte.weight')!.shape)) untiedHead();
    reads.push({ name: LM_HEAD, dtype: head.dtype, begin: head.begin, end: head.end });
  }
  reads.sort((a, b) => a.begin - b.begin);
  return { layout, reads, dataEnd: entries.reduce((n, e) => Math.max(n, e.end), 0) };
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * A config.json that describes a model far larger than the weights file (a hostile or mismatched
 * pair) is refused before its layout or parameter buffer is built: both grow with the config, not
 * with the file. Small differences pass on, so the full check can name each missing tensor.
 */
function checkRoughSize(tensors: Map<string, { shape: number[] }>, config: GPTConfig): void {
  let floats = 0;
  for (const t of tensors.values()) floats += t.shape.reduce((a, b) => a * b, 1);
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

function untiedHead(): never {
  fail(`${MODEL_FILE}: ${LM_HEAD} differs from wte.weight. This engine ties the output layer to the token embeddings, so models with a separate output layer cannot be loaded.`);
}

/** The engine ties the output head to wte; an untied head that differs cannot be represented. */
function checkTiedHead(head: Float32Array, params: Float32Array, layout: ParamLayout): void {
  const wte = layout.byName.get('wte.weight')!;
  for (let i = 0; i < head.length; i++) {
    const w = params[wte.offset + i]!;
    if (head[i] !== w && !(Number.isNaN(head[i]) && Number.isNaN(w))) untiedHead();
  }
}

/** Finds a file by name; a browser directory pick may give paths like "gpt2/config.json". */
function findFile(files: Map<string, Uint8Array>, name: string): Uint8Array | undefined {
  const exact = files.get(name);
  if (exact) return exact;
  const matches = [...files.keys()].filter((k) => k.split(/[\\/]/).pop() === name);
  if (matches.length > 1) fail(`Several files are named ${name} (${matches.join(', ')}); pick one model directory.`);
  return matches.length === 1 ? files.get(matches[0]!) : undefined;
}

/**
 * Reads a model directory held in memory (a file pick, a .zip's entries, a stored model, a
 * directory on disk): readCheckpoint driven over bytes, synchronously.
 */
export function decodeCheckpoint(files: Map<string, Uint8Array>): Checkpoint {
  const reader = readCheckpoint();
  let model: Uint8Array = new Uint8Array(0);
  let at = 0;
  const answer = (need: Need): Answer => {
    switch (need.kind) {
      case 'json':
        return findFile(files, need.name);
      case 'config':
        return undefined;
      case 'weights': {
        const found = findFile(files, MODEL_FILE);
        if (found) model = found;
        return found && { size: found.length };
      }
      default: {
        const n = need.kind === 'read' ? need.into.length : need.bytes;
        if (at + n > model.length) return model.length;
        if (need.kind === 'read') need.into.set(model.subarray(at, at + n));
        at += n;
        return true;
      }
    }
  };
  let step = reader.next();
  while (!step.done) step = reader.next(answer(step.value));
  return step.value;
}
