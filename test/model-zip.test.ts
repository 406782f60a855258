/**
 * The CLI reads what the page writes: a downloaded .zip (flat, or a zipped folder) loads with
 * `--model x.zip`; `export-hf` writes Hugging Face's layout (transformer. keys, tied lm_head, mask
 * buffers, F16), which the checkpoint reader takes back to the F16-rounded weights.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../src/model/checkpoint';
import type { GPTConfig } from '../src/model/config';
import { initParams, paramLayout } from '../src/model/params';
import { readSafetensors } from '../src/model/safetensors';
import { CharTokenizer } from '../src/model/tokenizer';
import { f32ToF16, hfLayoutFiles } from '../src/node/commands-export';
import { loadModelDir } from '../src/node/model-dir';

const config: GPTConfig = { n_layer: 2, n_head: 2, n_embd: 32, block_size: 17, vocab_size: 5 };
const ck: Checkpoint = { config, tokenizer: new CharTokenizer(['a', 'b', 'c', ' ', '\n']), params: initParams(config, paramLayout(config), 11) };
const dir = mkdtempSync(join(tmpdir(), 'gpt-zip-'));

describe('model zip and Hugging Face layout', () => {
  it('loads a downloaded .zip, flat or holding a folder', async () => {
    const files = Object.fromEntries(encodeCheckpoint(ck));
    writeFileSync(join(dir, 'flat.zip'), zipSync(files, { level: 0 }));
    writeFileSync(join(dir, 'folder.zip'), zipSync({ fox: files }, { level: 6 }));
    for (const name of ['flat.zip', 'folder.zip']) {
      const got = await loadModelDir(join(dir, name));
      expect(got.config).toEqual(config);
      expect(got.params).toEqual(ck.params);
      expect(got.tokenizer.encode('ab c\n')).toEqual([0, 1, 3, 2, 4]);
    }
  });

  it('says a damaged zip is not readable', async () => {
    writeFileSync(join(dir, 'bad.zip'), new Uint8Array([80, 75, 3, 4, 1, 2, 3]));
    await expect(loadModelDir(join(dir, 'bad.zip'))).rejects.toThrow(/bad\.zip is not a readable zip file/);
  });

  it('export-hf writes transformer. keys, the tied head, mask buffers and F16 weights that read back rounded to F16', () => {
    const files = hfLayoutFiles(ck, 'F16');
    const raw = readSafetensors(files.get('model.safetensors')!, { skip: (n) => /attn\.(bias|masked_bias)$/.test(n) });
    expect(raw.get('transformer.wte.weight')!.dtype).toBe('F16');
    expect(raw.has('lm_head.weight')).toBe(true);
    const header = JSON.parse(new TextDecoder().decode(files.get('model.safetensors')!.subarray(8, 8 + new DataView(files.get('model.safetensors')!.buffer).getUint32(0, true))));
    expect(header['transformer.h.1.attn.bias'].shape).toEqual([1, 1, 17, 17]);
    const got = decodeCheckpoint(files);
    const half = new Uint16Array(ck.params.map((v) => f32ToF16(v)));
    for (let i = 0; i < half.length; i++) {
      const want = readF16(half[i]!);
      if (got.params[i] !== want) expect.fail(`param ${i}: got ${got.params[i]}, want ${want} (from ${ck.params[i]})`);
    }
  });

  it('rounds to the nearest half, ties to even, keeping subnormals, infinities and NaN', () => {
    const cases: [number, number][] = [[1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65520, 0x7c00], [1e-7, 0x0002], [2 ** -24, 0x0001], [2 ** -26, 0], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [Infinity, 0x7c00], [-0, 0x8000]];
    for (const [x, h] of cases) expect(f32ToF16(x), `f32ToF16(${x})`).toBe(h);
    expect(f32ToF16(NaN) & 0x7c00).toBe(0x7c00);
    expect(f32ToF16(NaN) & 0x3ff).not.toBe(0);
  });
});

function readF16(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
