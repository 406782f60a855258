/**
 * `cli export-hf`: a model (directory or downloaded .zip) written as Hugging Face's GPT-2
 * checkpoints are laid out: keys under `transformer.`, the tied `lm_head.weight` stored as well, the
 * causal-mask buffers old checkpoints carry (`h.N.attn.bias` (1, 1, T, T), `h.N.attn.masked_bias`),
 * and F16 weights by default. The e2e tests serve such a folder to "Load from URL" offline, so the
 * loader meets what it meets on huggingface.co.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { MODEL_FILE, type Checkpoint } from '../model/checkpoint';
import { hfSideFiles, type ModelCard } from '../model/hf-files';
import { paramLayout } from '../model/params';
import { required, UsageError, type CliArgs } from './args';
import { loadModelDir } from './model-dir';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float -> IEEE half, rounding to nearest even (subnormals, Inf and NaN kept). */
export function f32ToF16(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  let mant = b & 0x7fffff;
  if (((b >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry out of the mantissa bumps the exponent, as it should
  return sign | h;
}

type Dtype = 'F16' | 'F32';
interface Out {
  name: string;
  dtype: Dtype;
  shape: number[];
  data: Float32Array;
}

/** A safetensors file with tensors of mixed dtypes (the header padded to 8 bytes, as the reference does). */
function writeMixed(tensors: Out[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.data.length * (t.dtype === 'F16' ? 2 : 4);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, headerLen, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++) {
      if (t.dtype === 'F16') dv.setUint16(at + 2 * i, f32ToF16(t.data[i]!), true);
      else dv.setFloat32(at + 4 * i, t.data[i]!, true);
    }
    at += t.data.length * (t.dtype === 'F16' ? 2 : 4);
  }
  return out;
}

/** The files of `ck` in Hugging Face's layout (see the module comment; the small files are hf-files.ts'). */
export function hfLayoutFiles(ck: Checkpoint, dtype: Dtype = 'F16', card?: ModelCard): Map<string, Uint8Array> {
  const layout = paramLayout(ck.config);
  const T = ck.config.block_size;
  const tensors: Out[] = [];
  const mask = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) mask[i * T + j] = 1;
  for (const t of layout.tensors) {
    tensors.push({ name: `transformer.${t.name}`, dtype, shape: t.shape, data: ck.params.subarray(t.offset, t.offset + t.size) });
    const layer = /^h\.(\d+)\.ln_1\.weight$/.exec(t.name)?.[1];
    if (layer !== undefined) {
      tensors.push({ name: `transformer.h.${layer}.attn.bias`, dtype: 'F32', shape: [1, 1, T, T], data: mask });
      tensors.push({ name: `transformer.h.${layer}.attn.masked_bias`, dtype: 'F32', shape: [], data: Float32Array.of(-1e4) });
    }
  }
  const wte = layout.byName.get('wte.weight')!;
  tensors.push({ name: 'lm_head.weight', dtype, shape: wte.shape, data: ck.params.subarray(wte.offset, wte.offset + wte.size) });
  const utf8 = new TextEncoder();
  const files = new Map([[MODEL_FILE, writeMixed(tensors, { format: 'pt' })]]);
  const torchDtype = { torch_dtype: dtype === 'F16' ? 'float16' : 'float32' };
  for (const [name, text] of hfSideFiles(ck.config, ck.tokenizer, card, torchDtype)) files.set(name, utf8.encode(text));
  return files;
}

export async function exportHfCommand(args: CliArgs): Promise<void> {
  const ck = await loadModelDir(required(args, 'model'));
  const out = required(args, 'out');
  const dtype = (args.dtype ?? 'f16').toUpperCase();
  if (dtype !== 'F16' && dtype !== 'F32') throw new UsageError(`--dtype must be f16 or f32, got '${args.dtype}'`);
  await mkdir(out, { recursive: true });
  const card: ModelCard = { name: basename(resolve(required(args, 'model'))).replace(/\.zip$/i, ''), source: 'export-hf' };
  for (const [name, bytes] of hfLayoutFiles(ck, dtype, card)) await writeFile(join(out, name), bytes);
  process.stderr.write(`wrote ${out} (Hugging Face GPT-2 layout, ${dtype})\n`);
}
