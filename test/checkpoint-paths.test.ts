/**
 * One reader, every path: the same bad checkpoints go through every way a model reaches the engine
 * (files picked on the page, a directory and a .zip on the CLI, a .zip imported on the page, a URL
 * on the page, the shipped model's download and the CLI's --model URL) and are refused with the
 * same code and the same message on each. A fetch that fails is NETWORK on every URL path.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../src/errors';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../src/model/checkpoint';
import { fetchCheckpoint } from '../src/model/checkpoint-url';
import { toHfConfig, type GPTConfig } from '../src/model/config';
import { initParams, paramLayout } from '../src/model/params';
import { CharTokenizer, Gpt2Tokenizer } from '../src/model/tokenizer';
import { loadModelDir } from '../src/node/model-dir';
import { loadFromSource } from '../src/workers/engine/hub';
import { unpack } from '../src/workers/engine/library';

const utf8 = new TextEncoder();
const tokenizer = new CharTokenizer([...'abcdefghij']);
const config: GPTConfig = { n_layer: 1, n_head: 2, n_embd: 16, block_size: 8, vocab_size: tokenizer.vocabSize };
// The three files the reader reads (a download also holds tokenizer_config.json and the like, for transformers).
const READ = ['config.json', 'tokenizer.json', 'model.safetensors'];
const encoded = encodeCheckpoint({ config, tokenizer, params: initParams(config, paramLayout(config), 5) } satisfies Checkpoint);
const good = new Map([...encoded].filter(([name]) => READ.includes(name)));
const model = good.get('model.safetensors')!;
const json = (o: unknown) => utf8.encode(JSON.stringify(o));
const withFile = (name: string, bytes: Uint8Array) => new Map(good).set(name, bytes);

function nanWeights(): Uint8Array {
  const layout = paramLayout(config);
  const params = initParams(config, layout, 5);
  params[layout.byName.get('wpe.weight')!.offset + 3] = NaN;
  return encodeCheckpoint({ config, tokenizer, params }).get('model.safetensors')!;
}

/** Each bad checkpoint, and what every path must say about it (BAD_CHECKPOINT). */
const cases: { id: string; files: Map<string, Uint8Array>; says: RegExp }[] = [
  {
    id: 'nan',
    files: withFile('model.safetensors', nanWeights()),
    says: /^model\.safetensors: tensor wpe\.weight holds NaN at index 3\. A model with NaN or infinite weights cannot generate/,
  },
  {
    id: 'big-tokenizer',
    files: withFile('tokenizer.json', new Uint8Array(17_000_000).fill(0x20)),
    says: /^tokenizer\.json is 17\.0 MB; a tokenizer\.json is at most 16 MB, so this is not one/,
  },
  { id: 'big-config', files: withFile('config.json', new Uint8Array(1_500_000).fill(0x20)), says: /^config\.json is 1\.5 MB; a config\.json is at most 1 MB/ },
  {
    id: 'vocab-char',
    files: withFile('tokenizer.json', json(new CharTokenizer([...'abcdefghijklmnopqrstuvwxyz']).toJSON())),
    says: /^tokenizer\.json: its vocabulary has 26 entries, more than the model's vocab_size of 10\.$/,
  },
  { id: 'vocab-bpe', files: withFile('tokenizer.json', json(new Gpt2Tokenizer().toJSON())), says: /^The tokenizer has 50257 tokens but the model's vocab_size is only 10\.$/ },
  {
    id: 'shapes',
    files: withFile('config.json', json(toHfConfig({ ...config, n_embd: 32 }))),
    says: /^model\.safetensors does not match config\.json: wrong shapes: wte\.weight is \[10, 16\] but the config needs \[10, 32\]/,
  },
  {
    id: 'truncated',
    files: withFile('model.safetensors', model.subarray(0, model.length - 10)),
    says: /^model\.safetensors is truncated: tensor transformer\.ln_f\.bias needs bytes \d+\.\.\d+ but the file has only \d+ data bytes\.$/,
  },
  {
    id: 'cut-in-header',
    files: withFile('model.safetensors', model.subarray(0, 20)),
    says: /^model\.safetensors is truncated or not a safetensors file: its header claims \d+ bytes but only 12 bytes follow the length field\.$/,
  },
];

/** path -> bytes served with their Content-Length; `cut` drops the connection half-way. */
const routes = new Map<string, { bytes: Uint8Array; cut?: boolean }>();
let server: Server;
let origin = '';
const dir = mkdtempSync(join(tmpdir(), 'gpt-paths-'));

beforeAll(async () => {
  for (const c of cases) for (const [name, bytes] of c.files) routes.set(`/${c.id}/${name}`, { bytes });
  for (const [name, bytes] of good) routes.set(`/cut/${name}`, { bytes, cut: name === 'model.safetensors' });
  routes.set('/status-500/config.json', { bytes: new Uint8Array(0) });
  server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    const r = routes.get(path);
    if (!r) return void res.writeHead(404).end('not found');
    if (path.startsWith('/status-500/')) return void res.writeHead(500).end('oops');
    res.writeHead(200, { 'content-length': r.bytes.length });
    if (r.cut) return void res.write(r.bytes.subarray(0, r.bytes.length >> 1), () => res.destroy());
    res.end(r.bytes);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((ok) => server.close(() => ok()));
});

/** The three ways a model folder is fetched, each given the folder's URL (no trailing slash). */
const urlPaths: Record<string, (url: string) => Promise<Checkpoint>> = {
  'a URL on the page': async (url) => (await loadFromSource(`${url}/`, { signal: new AbortController().signal, checkFits: () => undefined })).ck,
  "the shipped model's download": (url) => fetchCheckpoint(url, { onProgress: () => undefined }),
  'a URL on the CLI': (url) => loadModelDir(`${url}/`, () => undefined),
};
/** Every way a model directory reaches the engine, each given the case's id and files. */
const paths: Record<string, (id: string, files: Map<string, Uint8Array>) => Promise<unknown>> = {
  'files picked on the page': async (_id, files) => decodeCheckpoint(files),
  'a directory (CLI)': async (id, files) => {
    mkdirSync(join(dir, id), { recursive: true });
    for (const [name, bytes] of files) writeFileSync(join(dir, id, name), bytes);
    return loadModelDir(join(dir, id));
  },
  'a .zip imported on the page': async (_id, files) => decodeCheckpoint(unpack([{ name: 'model.zip', bytes: zipSync(Object.fromEntries(files), { level: 0 }) }])),
  'a .zip (CLI)': async (id, files) => {
    writeFileSync(join(dir, `${id}.zip`), zipSync({ [id]: Object.fromEntries(files) }, { level: 0 }));
    return loadModelDir(join(dir, `${id}.zip`));
  },
  ...Object.fromEntries(Object.entries(urlPaths).map(([path, load]) => [path, (id: string) => load(`${origin}/${id}`)])),
};

async function refusal(p: Promise<unknown>): Promise<EngineError> {
  const e = await p.then(
    () => new Error('it loaded'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}

describe('the same bad checkpoint is refused in the same words on every path', () => {
  it('a good checkpoint loads on every path, to the same weights', async () => {
    for (const c of cases) expect(c.files.size, c.id).toBe(3);
    routes.set('/good/config.json', { bytes: good.get('config.json')! });
    routes.set('/good/tokenizer.json', { bytes: good.get('tokenizer.json')! });
    routes.set('/good/model.safetensors', { bytes: model });
    const want = decodeCheckpoint(good).params;
    for (const [path, load] of Object.entries(paths)) expect(((await load('good', good)) as Checkpoint).params, path).toEqual(want);
  });

  for (const c of cases) {
    it(c.id, async () => {
      for (const [path, load] of Object.entries(paths)) {
        const e = await refusal(load(c.id, c.files));
        expect({ path, code: e.code, message: e.message }).toEqual({ path, code: 'BAD_CHECKPOINT', message: expect.stringMatching(c.says) });
      }
    });
  }

  it('the message is word for word the same on every path', async () => {
    for (const c of cases) {
      const messages = new Set<string>();
      for (const load of Object.values(paths)) messages.add((await refusal(load(c.id, c.files))).message);
      expect([...messages], c.id).toHaveLength(1);
    }
  });
});

describe('a fetch that fails is NETWORK on every URL path', () => {
  const failures: [string, string, RegExp][] = [
    ['a server that cannot be reached', 'http://127.0.0.1:9/none', /^Could not fetch http:\/\/127\.0\.0\.1:9\/none\/config\.json: the network is down/],
    ['a folder that is not there', 'ORIGIN/nothing-here', /^Not found: http:\/\/127\.0\.0\.1:\d+\/nothing-here\/config\.json \(HTTP 404\)/],
    ['a server error', 'ORIGIN/status-500', /^Could not download http:\/\/127\.0\.0\.1:\d+\/status-500\/config\.json: HTTP 500\.$/],
    ['a connection lost during the weights', 'ORIGIN/cut', /^The connection was lost after \d+\.\d of \d+\.\d MB .*The model in use is unchanged; try again\.$/],
  ];
  for (const [what, url, says] of failures) {
    it(what, async () => {
      for (const [path, load] of Object.entries(urlPaths)) {
        const e = await refusal(load(url.replace('ORIGIN', origin)));
        expect({ path, code: e.code, message: e.message }).toEqual({ path, code: 'NETWORK', message: expect.stringMatching(says) });
      }
    });
  }
});
