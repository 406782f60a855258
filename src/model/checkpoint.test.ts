import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomFloats, Rng } from '../../test/random';
import { EngineError } from '../errors';
import { loadModelDir, saveModelDir } from '../node/model-dir';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint';
import { toHfConfig, type GPTConfig } from './config';
import { initParams, paramLayout } from './params';
import { readSafetensors } from './safetensors';
import { learnBpe } from './bpe';
import { BpeTokenizer, CharTokenizer, Gpt2Tokenizer } from './tokenizer';

const text = 'To be, or not to be: 你好 😀\n';
const tokenizer = CharTokenizer.fromCorpus(text);
const config: GPTConfig = { n_layer: 2, n_head: 2, n_embd: 8, block_size: 16, vocab_size: tokenizer.vocabSize };
const C = config.n_embd;

/** A checkpoint whose every parameter differs (random, not GPT-2 init), so misplaced data shows. */
function makeCheckpoint(cfg = config, tok: Checkpoint['tokenizer'] = tokenizer): Checkpoint {
  const layout = paramLayout(cfg);
  const params = initParams(cfg, layout, 1);
  const rng = new Rng(2);
  for (const t of layout.tensors) params.set(randomFloats(rng, t.size), t.offset);
  return { config: cfg, tokenizer: tok, params };
}

/** A safetensors file from (name, dtype, shape, raw bytes) entries, without any checks. */
function rawSafetensors(entries: { name: string; dtype: string; shape: number[]; bytes: Uint8Array }[]): Uint8Array {
  const header: Record<string, unknown> = {};
  let at = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [at, at + e.bytes.length] };
    at += e.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + at);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const e of entries) {
    out.set(e.bytes, pos);
    pos += e.bytes.length;
  }
  return out;
}

function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** The model's tensors as a Hugging Face file would hold them: `prefix` + name, F32. */
function hfEntries(ck: Checkpoint, prefix: string) {
  return paramLayout(ck.config).tensors.map((t) => ({
    name: prefix + t.name,
    dtype: 'F32',
    shape: t.shape,
    bytes: f32Bytes(ck.params.subarray(t.offset, t.offset + t.size)),
  }));
}

function withModel(files: Map<string, Uint8Array>, model: Uint8Array): Map<string, Uint8Array> {
  return new Map([...files, ['model.safetensors', model]]);
}

function decodeError(files: Map<string, Uint8Array>): EngineError {
  try {
    decodeCheckpoint(files);
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe('BAD_CHECKPOINT');
    return e as EngineError;
  }
  throw new Error('expected the checkpoint to be refused');
}

const ck = makeCheckpoint();
const files = encodeCheckpoint(ck);

describe('encodeCheckpoint', () => {
  it("writes a model directory in Hugging Face's formats", () => {
    expect([...files.keys()].sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(JSON.parse(new TextDecoder().decode(files.get('config.json')))).toEqual(JSON.parse(JSON.stringify(toHfConfig(config))));
    expect(JSON.parse(new TextDecoder().decode(files.get('tokenizer.json')))).toEqual(tokenizer.toHfJSON());
  });

  it("uses save_pretrained's keys: transformer. prefix, no tied lm_head, format pt metadata", () => {
    const model = files.get('model.safetensors')!;
    const tensors = readSafetensors(model);
    const names = [...tensors.keys()];
    expect(names).toHaveLength(paramLayout(config).tensors.length);
    expect(names.every((n) => n.startsWith('transformer.'))).toBe(true);
    expect(names.slice(0, 3)).toEqual(['transformer.wte.weight', 'transformer.wpe.weight', 'transformer.h.0.ln_1.weight']);
    expect(names.at(-1)).toBe('transformer.ln_f.bias');
    expect(tensors.has('lm_head.weight')).toBe(false);
    const headerLen = new DataView(model.buffer, model.byteOffset).getUint32(0, true);
    expect(JSON.parse(new TextDecoder().decode(model.subarray(8, 8 + headerLen))).__metadata__).toEqual({ format: 'pt' });
  });

  it('keeps the Conv1D (in, out) layout: c_attn.weight stays (C, 3C), row-major', () => {
    const t = readSafetensors(files.get('model.safetensors')!).get('transformer.h.1.attn.c_attn.weight')!;
    expect(t.shape).toEqual([C, 3 * C]);
    const spec = paramLayout(config).byName.get('h.1.attn.c_attn.weight')!;
    // Element (i, j) of the (in, out) matrix is at i*3C + j in both.
    for (const [i, j] of [[0, 1], [1, 0], [C - 1, 3 * C - 1], [3, 17]] as const) {
      expect(t.data[i * 3 * C + j]).toBe(ck.params[spec.offset + i * 3 * C + j]);
    }
  });

  it('refuses parameters that do not match the layout', () => {
    expect(() => encodeCheckpoint({ ...ck, params: new Float32Array(10) })).toThrow(/hold 10 floats but this config's layout needs/);
  });
});

describe('decodeCheckpoint', () => {
  it('round-trips our exports exactly', () => {
    const back = decodeCheckpoint(files);
    expect(back.config).toEqual(config);
    expect(back.params).toEqual(ck.params);
    expect(back.tokenizer.toJSON()).toEqual(tokenizer.toJSON());
    expect(back.tokenizer.decode(back.tokenizer.encode(text))).toBe(text);
  });

  it('round-trips a model with a BPE learned from its text: the same tokens, merges and ids', async () => {
    const bpe = new BpeTokenizer(await learnBpe(text.repeat(20), 270));
    const cfg = { ...config, vocab_size: bpe.vocabSize };
    const back = decodeCheckpoint(encodeCheckpoint(makeCheckpoint(cfg, bpe)));
    expect(back.tokenizer).toBeInstanceOf(BpeTokenizer);
    expect((back.tokenizer as BpeTokenizer).merges).toEqual(bpe.merges);
    expect(back.tokenizer.encode(text)).toEqual(bpe.encode(text));
    expect(back.tokenizer.decode(back.tokenizer.encode(text))).toBe(text);
    // A vocabulary larger than the model's is refused by the one reader, as for every tokenizer.
    const files = encodeCheckpoint(makeCheckpoint(cfg, bpe));
    const small = { ...JSON.parse(new TextDecoder().decode(files.get('config.json'))), vocab_size: bpe.vocabSize - 1 };
    files.set('config.json', new TextEncoder().encode(JSON.stringify(small)));
    expect(() => decodeCheckpoint(files)).toThrow(EngineError);
  });

  it('reads Hugging Face keys without the transformer. prefix, skipping mask buffers', () => {
    const masks = [0, 1].flatMap((i) => [
      { name: `h.${i}.attn.bias`, dtype: 'U8', shape: [1, 1, 16, 16], bytes: new Uint8Array(256).fill(1) },
      { name: `h.${i}.attn.masked_bias`, dtype: 'F32', shape: [], bytes: f32Bytes(Float32Array.of(-1e4)) },
    ]);
    const back = decodeCheckpoint(withModel(files, rawSafetensors([...hfEntries(ck, ''), ...masks])));
    expect(back.params).toEqual(ck.params);
  });

  it('accepts a tied lm_head.weight equal to wte, and refuses one that differs', () => {
    const wte = hfEntries(ck, 'transformer.')[0]!;
    const tied = { ...wte, name: 'lm_head.weight' };
    expect(decodeCheckpoint(withModel(files, rawSafetensors([...hfEntries(ck, 'transformer.'), tied]))).params).toEqual(ck.params);
    const other = new Float32Array(wte.bytes.slice().buffer);
    other[5] = (other[5] ?? 0) + 1;
    const untied = { ...tied, bytes: f32Bytes(other) };
    expect(decodeError(withModel(files, rawSafetensors([...hfEntries(ck, 'transformer.'), untied]))).message).toMatch(
      /lm_head\.weight differs from wte\.weight/,
    );
  });

  it('converts F16 and BF16 checkpoints to f32', () => {
    // Values exactly representable in both formats survive unchanged.
    const layout = paramLayout(config);
    const exact = new Float32Array(layout.totalFloats);
    for (const t of layout.tensors) for (let i = 0; i < t.size; i++) exact[t.offset + i] = ((i % 17) - 8) / 4;
    for (const dtype of ['F16', 'BF16'] as const) {
      const entries = layout.tensors.map((t) => {
        const bytes = new Uint8Array(t.size * 2);
        const dv = new DataView(bytes.buffer);
        for (let i = 0; i < t.size; i++) {
          const v = exact[t.offset + i]!;
          const f32bits = new Uint32Array(Float32Array.of(v).buffer)[0]!;
          // For these small dyadic values F16 bits are sign | (exp - 112) << 10 | top 10 mantissa bits.
          const f16 = v === 0 ? 0 : ((f32bits >>> 16) & 0x8000) | ((((f32bits >>> 23) & 0xff) - 112) << 10) | ((f32bits >>> 13) & 0x3ff);
          dv.setUint16(i * 2, dtype === 'BF16' ? f32bits >>> 16 : f16, true);
        }
        return { name: t.name, dtype, shape: t.shape, bytes };
      });
      expect(decodeCheckpoint(withModel(files, rawSafetensors(entries))).params).toEqual(exact);
    }
  });

  it('names missing, unexpected and misshapen tensors', () => {
    const entries = hfEntries(ck, 'transformer.').filter((e) => e.name !== 'transformer.h.1.mlp.c_fc.bias');
    entries.push({ name: 'transformer.h.0.attn.rotary', dtype: 'F32', shape: [1], bytes: new Uint8Array(4) });
    const missing = decodeError(withModel(files, rawSafetensors(entries))).message;
    expect(missing).toMatch(/model\.safetensors does not match config\.json/);
    expect(missing).toMatch(/missing tensors: h\.1\.mlp\.c_fc\.bias/);
    expect(missing).toMatch(/unexpected tensors: h\.0\.attn\.rotary/);

    // A (3C, C) tensor where Conv1D needs (C, 3C) (nn.Linear layout) is refused, not silently transposed.
    const linear = hfEntries(ck, '').map((e) => (e.name === 'h.0.attn.c_attn.weight' ? { ...e, shape: [3 * C, C] } : e));
    expect(decodeError(withModel(files, rawSafetensors(linear))).message).toMatch(
      /wrong shapes: h\.0\.attn\.c_attn\.weight is \[24, 8\] but the config needs \[8, 24\]/,
    );
  });

  it('refuses a tensor stored with and without the prefix', () => {
    const both = [...hfEntries(ck, 'transformer.'), { ...hfEntries(ck, '')[0]! }];
    expect(decodeError(withModel(files, rawSafetensors(both))).message).toMatch(/holds wte\.weight twice/);
  });

  it('passes on corrupt model.safetensors errors in plain words', () => {
    const model = files.get('model.safetensors')!;
    expect(decodeError(withModel(files, model.subarray(0, model.length - 10))).message).toMatch(/^model\.safetensors is truncated: tensor transformer\.ln_f\.bias/);
    const bad = rawSafetensors(hfEntries(ck, '').map((e, i) => (i === 0 ? { ...e, dtype: 'F64', bytes: new Uint8Array(e.bytes.length * 2) } : e)));
    expect(decodeError(withModel(files, bad)).message).toMatch(/tensor wte\.weight has dtype F64; only F32, F16 and BF16/);
  });

  it('treats a missing tokenizer.json with vocab_size 50257 as GPT-2 BPE', () => {
    const gpt2ish: GPTConfig = { n_layer: 1, n_head: 1, n_embd: 4, block_size: 8, vocab_size: 50257 };
    const enc = encodeCheckpoint(makeCheckpoint(gpt2ish, new Gpt2Tokenizer()));
    enc.delete('tokenizer.json');
    const back = decodeCheckpoint(enc);
    expect(back.tokenizer).toBeInstanceOf(Gpt2Tokenizer);
    expect(back.tokenizer.encode('Hello world')).toEqual([15496, 995]);
  });

  it('explains missing files and mismatched tokenizers', () => {
    const without = (name: string) => new Map([...files].filter(([k]) => k !== name));
    expect(decodeError(without('config.json')).message).toMatch(/no config\.json/);
    expect(decodeError(without('model.safetensors')).message).toMatch(/no model\.safetensors.*pytorch_model\.bin/);
    expect(decodeError(without('tokenizer.json')).message).toMatch(/no tokenizer\.json, and its vocab_size \d+ is not GPT-2's 50257/);
    const big = new Map(files).set('tokenizer.json', new TextEncoder().encode(JSON.stringify({ type: 'gpt2', version: 1 })));
    expect(decodeError(big).message).toMatch(/tokenizer has 50257 tokens but the model's vocab_size is only \d+/);
    expect(decodeError(new Map(files).set('config.json', new TextEncoder().encode('{oops'))).message).toMatch(/config\.json is not valid JSON/);
    expect(decodeError(new Map(files).set('config.json', new TextEncoder().encode('{"n_layer": 2}'))).message).toMatch(/config\.json: the field "n_head" is missing/);
  });

  it('finds files picked with a folder prefix', () => {
    const nested = new Map([...files].map(([k, v]) => [`my-model/${k}`, v]));
    expect(decodeCheckpoint(nested).params).toEqual(ck.params);
  });
});

describe('model directories on disk (Node)', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('saves and loads a model directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gpt-model-'));
    const target = join(dir, 'shakespeare');
    await saveModelDir(target, ck);
    const back = await loadModelDir(target);
    expect(back.params).toEqual(ck.params);
    expect(back.config).toEqual(config);
    // A Hugging Face directory without our tokenizer.json but with other files still loads if GPT-2 sized.
    await writeFile(join(target, 'pytorch_model.bin'), new Uint8Array(4));
    expect((await loadModelDir(target)).params).toEqual(ck.params);
  });

  it('says when there is no directory', async () => {
    await expect(loadModelDir(join(tmpdir(), 'no-such-model-dir-9f3a'))).rejects.toThrow(/There is no model directory (\(or \.zip\) )?at/);
  });
});
