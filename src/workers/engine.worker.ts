/**
 * The engine thread. Everything GPU runs here, behind Comlink, so the UI never blocks.
 * The UI imports only the *type* of this API (`EngineApi`), never the engine's modules.
 * Errors cross as EngineError with the code in `name` (see src/gpu/errors.ts).
 */
import * as Comlink from 'comlink';
import { createGpuContext, type GpuContext } from '../gpu/device';
import { EngineError } from '../errors';
import { CONFIG_FILE, decodeCheckpoint, MODEL_FILE, TOKENIZER_FILE, type Checkpoint } from '../model/checkpoint';
import { Decoder, generate } from '../model/generate';
import { GPT } from '../model/gpt';
import { CharTokenizer } from '../model/tokenizer';

let ctx: GpuContext | undefined;
let loaded: { ck: Checkpoint; model: GPT; decoder: Decoder; name: string } | undefined;
let generation: AbortController | undefined;
/** Set when the GPU device is lost (driver reset, too long a submit, another tab's crash): why nothing is loaded. */
let lostMessage: string | undefined;

export interface ModelInfo {
  name: string;
  n_layer: number;
  n_head: number;
  n_embd: number;
  block_size: number;
  vocab_size: number;
  tokenizer: 'char' | 'gpt2';
  params: number;
}

export interface TokenEvent {
  text: string; // decoded text of this token (may be empty while a BPE character is incomplete)
  token: number;
  attention?: Float32Array[]; // [layer] -> (NH, pos+1)
}

async function device(): Promise<GpuContext> {
  if (!ctx) {
    ctx = await createGpuContext((self.navigator as Navigator).gpu);
    ctx.lost.then((info) => {
      if (info.reason !== 'destroyed') {
        console.error('GPU device lost:', info.message);
        lostMessage = `The GPU device was lost${info.message ? ` (${info.message})` : ''}, and the model with it. Load the model again (or reload the page); a new device is created on the next load.`;
      }
      generation?.abort();
      ctx = undefined; // the next device() call creates a new one
      loaded = undefined;
    });
  }
  return ctx;
}

async function fetchFile(base: string, name: string): Promise<Uint8Array | undefined> {
  const res = await fetch(`${base}/${name}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new EngineError('BAD_CHECKPOINT', `Could not download ${name}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Builds the new model first, so a model that does not fit (TOO_LARGE) leaves the current one working. */
function install(ck: Checkpoint, name: string, c: GpuContext): ModelInfo {
  const model = new GPT(c.device, ck.config);
  model.setWeights(ck.params);
  const decoder = new Decoder(model);
  loaded?.decoder.destroy();
  loaded?.model.destroy();
  loaded = { ck, model, decoder, name };
  lostMessage = undefined;
  return info();
}

/** The loaded model, or a plain-words error: no model yet, or the device (and the model) was lost. */
function current(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  if (lostMessage) throw new EngineError('DEVICE_LOST', lostMessage);
  throw new EngineError('BAD_CHECKPOINT', 'No model is loaded.');
}

function info(): ModelInfo {
  const loaded = current();
  const { config } = loaded.ck;
  return { name: loaded.name, ...config, tokenizer: loaded.ck.tokenizer.kind, params: loaded.model.layout.totalFloats };
}

const api = {
  /** Creates the GPU device; returns what the status bar shows. */
  async init(): Promise<{ adapter: GpuContext['adapterInfo']; features: string[]; maxBufferMB: number }> {
    const c = await device();
    return { adapter: c.adapterInfo, features: c.features, maxBufferMB: Math.round(c.device.limits.maxBufferSize / 2 ** 20) };
  },

  /** Loads a model directory served over HTTP (e.g. the shipped `/weights/shakespeare-char`). */
  async loadModelFromUrl(base: string, name: string): Promise<ModelInfo> {
    const c = await device();
    const files = new Map<string, Uint8Array>();
    for (const f of [MODEL_FILE, CONFIG_FILE, TOKENIZER_FILE]) {
      const bytes = await fetchFile(base, f);
      if (bytes) files.set(f, bytes);
    }
    return install(decodeCheckpoint(files), name, c);
  },

  /** Loads a model directory the user picked or dropped (file name -> bytes). */
  async loadModelFromFiles(files: Map<string, Uint8Array>, name: string): Promise<ModelInfo> {
    const c = await device();
    return install(decodeCheckpoint(files), name, c);
  },

  /** Streams tokens to `onToken`; resolves when done. Cancel with `cancelGeneration`. */
  async generate(
    prompt: string,
    opts: { maxNewTokens: number; temperature: number; topK: number; topP: number; seed: number; captureAttention: boolean },
    onToken: (t: TokenEvent) => void,
    onPromptAttention?: (rows: Float32Array[][], promptTokens: string[]) => void,
  ): Promise<{ tokens: number; ms: number }> {
    const loaded = current();
    generation?.abort();
    const ctrl = (generation = new AbortController());
    const { tokenizer } = loaded.ck;
    // Characters the model never saw are dropped from the prompt rather than failing the request.
    const ids = tokenizer instanceof CharTokenizer ? tokenizer.encodeLossy(prompt) : tokenizer.encode(prompt);
    if (ids.length === 0) ids.push(...tokenizer.encode('\n'));
    const t0 = performance.now();
    const out: number[] = [];
    let shown = '';
    const promptIds = ids.slice(-loaded.decoder.maxT);
    try {
      for await (const step of generate(loaded.decoder, ids, { ...opts, signal: ctrl.signal }, (a) =>
        onPromptAttention?.(a.rows, promptIds.map((id) => tokenizer.decode([id]))),
      )) {
        out.push(step.token);
        const text = tokenizer.decode(out);
        const stable = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
        const piece = stable.slice(shown.length);
        shown = stable;
        onToken({ text: piece, token: step.token, attention: step.attention });
      }
    } catch (e) {
      // A device lost mid-generation aborts it (or fails its read-back): say so, not "cancelled".
      if (lostMessage) throw new EngineError('DEVICE_LOST', lostMessage);
      throw e;
    }
    return { tokens: out.length, ms: performance.now() - t0 };
  },

  cancelGeneration(): void {
    generation?.abort();
  },

  modelInfo(): ModelInfo {
    return info();
  },
};

export type EngineApi = typeof api;
Comlink.expose(api);
