/**
 * "Load from URL" (src/workers/engine/hub.ts) against a local HTTP server: Hugging Face's layout
 * (transformer. keys, tied lm_head, mask buffers, F16) and ours (F32) load to the right weights;
 * what does not fit, is not a GPT-2, is sharded, missing, cut or cancelled is refused in words,
 * before the weights are downloaded where the header already tells.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../src/errors';
import { encodeCheckpoint, type Checkpoint } from '../src/model/checkpoint';
import type { GPTConfig } from '../src/model/config';
import { initParams, paramLayout } from '../src/model/params';
import { toF32, writeSafetensors } from '../src/model/safetensors';
import { CharTokenizer, Gpt2Tokenizer } from '../src/model/tokenizer';
import { f32ToF16, hfLayoutFiles } from '../src/node/commands-export';
import type { LoadProgress } from '../src/workers/api';
import { loadFromSource, resolveSource } from '../src/workers/engine/hub';

const config: GPTConfig = { n_layer: 1, n_head: 2, n_embd: 32, block_size: 16, vocab_size: 23 };
const ck: Checkpoint = { config, tokenizer: new CharTokenizer([...'abcdefghijklmnopqrstuvw']), params: initParams(config, paramLayout(config), 7) };
const hf = hfLayoutFiles(ck, 'F16');
const ours = encodeCheckpoint(ck);
const utf8 = new TextEncoder();
const bpeConfig: GPTConfig = { n_layer: 1, n_head: 2, n_embd: 32, block_size: 16, vocab_size: 50257 };

/** path -> bytes; `cut` sends half the body then drops the connection; `slow` trickles it. */
const routes = new Map<string, { bytes: Uint8Array; cut?: boolean; slow?: boolean }>();
const requested: string[] = [];
/** Bytes of each path written to the socket. */
const sent = new Map<string, number>();
let server: Server;
let origin = '';

function serve(dir: string, files: Map<string, Uint8Array>, mode: { cut?: boolean; slow?: boolean } = {}) {
  for (const [name, bytes] of files) routes.set(`/${dir}/${name}`, { bytes, ...(name === 'model.safetensors' ? mode : {}) });
}

beforeAll(async () => {
  serve('hf', hf);
  serve('ours', ours);
  serve('cut', hf, { cut: true });
  serve('slow', hf, { slow: true });
  // A GPT-2-vocabulary model with no tokenizer.json: GPT-2's BPE is implied.
  const bpe = hfLayoutFiles({ config: bpeConfig, tokenizer: new Gpt2Tokenizer(), params: initParams(bpeConfig, paramLayout(bpeConfig), 2) }, 'F16');
  bpe.delete('tokenizer.json');
  serve('bpe', bpe);
  routes.set('/sharded/config.json', { bytes: hf.get('config.json')! });
  routes.set('/sharded/tokenizer.json', { bytes: hf.get('tokenizer.json')! });
  routes.set('/sharded/model.safetensors.index.json', { bytes: utf8.encode('{"weight_map":{}}') });
  routes.set('/llama/config.json', { bytes: utf8.encode('{"model_type":"llama","hidden_size":32}') });
  // A GPT-2 config over another architecture's weights, with a large data section that must not be downloaded.
  serve('foreign', new Map([...hf, ['model.safetensors', writeSafetensors([{ name: 'model.layers.0.self_attn.q_proj.weight', shape: [4096, 4096], data: new Float32Array(4096 * 4096) }])]]));
  server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    requested.push(path);
    const r = routes.get(path);
    if (!r) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-length': r.bytes.length, 'access-control-allow-origin': '*' });
    if (req.method === 'HEAD') return void res.end();
    if (r.cut) {
      const half = r.bytes.subarray(0, r.bytes.length >> 1);
      res.write(half, () => res.destroy());
    } else if (r.slow) {
      let at = 0;
      const tick = setInterval(() => {
        if (res.destroyed) return clearInterval(tick);
        const part = r.bytes.subarray(at, at + 512);
        at += part.length;
        if (at >= r.bytes.length) {
          clearInterval(tick);
          res.end(part);
        } else res.write(part);
      }, 20);
    } else {
      // In 4 KB writes, so a client that stops reading stops the transfer.
      let at = 0;
      const pump = () => {
        while (at < r.bytes.length) {
          const part = r.bytes.subarray(at, at + 4096);
          at += part.length;
          sent.set(path, (sent.get(path) ?? 0) + part.length);
          if (!res.write(part)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (at = r.bytes.length));
      pump();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const fits = () => undefined;
async function load(dir: string, extra: Partial<Parameters<typeof loadFromSource>[1]> = {}) {
  return loadFromSource(`${origin}/${dir}/`, { signal: new AbortController().signal, checkFits: fits, ...extra });
}
async function refusal(p: Promise<unknown>): Promise<EngineError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}

describe('load from URL', () => {
  it('reads a Hugging Face id as huggingface.co/<id>/resolve/main, and a link to a file as its folder', () => {
    expect(resolveSource('openai-community/gpt2')).toEqual({ base: 'https://huggingface.co/openai-community/gpt2/resolve/main', name: 'openai-community/gpt2' });
    expect(resolveSource('distilbert/distilgpt2').base).toBe('https://huggingface.co/distilbert/distilgpt2/resolve/main');
    for (const page of ['https://huggingface.co/openai-community/gpt2', 'https://huggingface.co/openai-community/gpt2/tree/main', 'https://huggingface.co/openai-community/gpt2/blob/main/config.json']) {
      expect(resolveSource(page), page).toEqual({ base: 'https://huggingface.co/openai-community/gpt2/resolve/main', name: 'openai-community/gpt2' });
    }
    expect(resolveSource(' https://example.org/models/tiny/config.json ')).toEqual({ base: 'https://example.org/models/tiny', name: 'tiny' });
    expect(resolveSource('./fixtures/tiny/', 'http://127.0.0.1:4183/gpt-playground/').base).toBe('http://127.0.0.1:4183/gpt-playground/fixtures/tiny');
  });

  it("loads Hugging Face's layout (transformer. keys, tied lm_head, mask buffers, F16) to the F16-rounded weights, with byte progress", async () => {
    const progress: LoadProgress[] = [];
    const { ck: got, name } = await load('hf', { onProgress: (p) => progress.push(p) });
    expect(name).toBe('hf');
    expect(got.config).toEqual(config);
    expect(got.tokenizer.vocabSize).toBe(23);
    const half = new Uint8Array(ck.params.length * 2);
    const dv = new DataView(half.buffer);
    ck.params.forEach((v, i) => dv.setUint16(2 * i, f32ToF16(v), true));
    const want = toF32(half, 'F16');
    for (let i = 0; i < want.length; i++) if (got.params[i] !== want[i]) expect.fail(`param ${i}: got ${got.params[i]}, want ${want[i]}`);
    // The loader reads the three files (not tokenizer_config.json and the like, which are for transformers).
    const total = ['config.json', 'tokenizer.json', 'model.safetensors'].reduce((n, name) => n + hf.get(name)!.length, 0);
    expect(progress.at(-1)).toEqual({ loaded: total, total });
    expect(progress.every((p, i) => i === 0 || p.loaded >= progress[i - 1]!.loaded)).toBe(true);
  });

  it('loads our own F32 layout exactly', async () => {
    const { ck: got } = await load('ours');
    expect(got.params).toEqual(ck.params);
  });

  it("takes GPT-2's BPE when a GPT-2-vocabulary folder has no tokenizer.json", async () => {
    const { ck: got } = await load('bpe');
    expect(got.config).toEqual(bpeConfig);
    expect(got.tokenizer.kind).toBe('gpt2');
    expect(got.tokenizer.encode('Hello world')).toEqual([15496, 995]);
  });

  it('says "not found" for a folder without config.json (404)', async () => {
    const e = await refusal(load('nothing-here'));
    expect(e.code).toBe('NETWORK');
    expect(e.message).toMatch(/^Not found: .*nothing-here\/config\.json \(HTTP 404\)/);
  });

  it('refuses a sharded checkpoint by name', async () => {
    const e = await refusal(load('sharded'));
    expect(e.message).toMatch(/sharded/);
  });

  it('refuses a model that is not a GPT-2 from its config.json alone', async () => {
    const before = requested.length;
    const e = await refusal(load('llama'));
    expect(e.message).toMatch(/model_type is "llama"; only GPT-2/);
    expect(requested.slice(before)).toEqual(['/llama/config.json']);
  });

  it('refuses foreign weights from the safetensors header, before the data section downloads', async () => {
    const e = await refusal(load('foreign'));
    expect(e.message).toMatch(/not a GPT-2 checkpoint: its tensors are named model\.layers\.0/);
    // The request was dropped after the header: of 64 MB, only what the socket buffers had taken left the server.
    await new Promise((ok) => setTimeout(ok, 200));
    expect(sent.get('/foreign/model.safetensors')!).toBeLessThan(16e6);
  });

  it('refuses what does not fit this adapter (TOO_LARGE) without requesting the weights', async () => {
    const before = requested.length;
    const e = await refusal(load('hf', { checkFits: () => { throw new EngineError('TOO_LARGE', 'too big for this GPU'); } }));
    expect(e.code).toBe('TOO_LARGE');
    expect(requested.slice(before)).toEqual(['/hf/config.json']);
  });

  it('says the connection was lost when the download is cut', async () => {
    const e = await refusal(load('cut'));
    expect(e.code).toBe('NETWORK');
    expect(e.message).toMatch(/connection was lost|ended early/);
    expect(e.message).toMatch(/model in use is unchanged/);
  });

  it('stops on cancel (ABORTED)', async () => {
    const ctrl = new AbortController();
    const p = load('slow', { signal: ctrl.signal, onProgress: (pr) => pr.loaded > 2000 && ctrl.abort() });
    const e = await refusal(p);
    expect(e.code).toBe('ABORTED');
  });

  it('says a server that cannot be reached may be down or blocked by CORS', async () => {
    const e = await refusal(loadFromSource('http://127.0.0.1:9/none', { signal: new AbortController().signal, checkFits: fits }));
    expect(e.code).toBe('NETWORK');
    expect(e.message).toMatch(/CORS/);
  });
});
