import { describe, it } from 'vitest';
import { pack16 } from './pack16';
import { packRows16, packedRowWords, unpackRows16, f16BitsToF32 } from './packed16';
import { readBuffer, uploadBuffer } from '../gpu/buffers';
import { encodeDispatches } from '../gpu/dispatch';
import { testDevice } from '../../test/gpu';
import { Rng, randomFloats } from '../../test/random';

describe('pack16 (f32 -> packed half rows on the GPU)', () => {
  for (const [rows, cols] of [[1, 1], [3, 17], [65, 8], [2, 63], [127, 65]] as const) {
    it(`packs a ${rows}x${cols} matrix as packRows16 does, within one f16 ulp`, async () => {
      const device = await testDevice();
      const src = randomFloats(new Rng(rows + cols), rows * cols, -4, 4);
      const ld = packedRowWords(cols);
      const s = uploadBuffer(device, 'pack16.src', src);
      const d = uploadBuffer(device, 'pack16.dst', new Uint32Array(rows * ld).fill(0xdeadbeef));
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      encodeDispatches(pass, [pack16(device, { buffer: d }, { buffer: s }, rows, cols)]);
      pass.end();
      device.queue.submit([enc.finish()]);
      const got = new Uint32Array(await readBuffer(device, d));
      const want = packRows16(src, rows, cols);
      const g = unpackRows16(got, rows, cols);
      const w = unpackRows16(want, rows, cols);
      for (let i = 0; i < w.length; i++) {
        // One ulp of the half nearest the value: 2^(floor(log2|x|) - 10), at least the subnormal step.
        const ulp = Math.max(2 ** -24, 2 ** (Math.floor(Math.log2(Math.abs(w[i]!) || 1)) - 10));
        if (!(Math.abs(g[i]! - w[i]!) <= ulp)) throw new Error(`[${i}]: GPU packed ${g[i]}, CPU ${w[i]} (source ${src[i]})`);
      }
      // Padding halves are zero (the dst started as 0xdeadbeef everywhere).
      for (let r = 0; r < rows; r++) {
        for (let c = cols; c < ld * 2; c++) {
          const h = (got[r * ld + (c >> 1)]! >>> ((c & 1) * 16)) & 0xffff;
          if (h !== 0) throw new Error(`row ${r} padding half ${c} is ${f16BitsToF32(h)}, expected 0`);
        }
      }
      s.destroy();
      d.destroy();
    });
  }

  it('covers more than 65535 workgroups (a second dispatch row: the wte of GPT-2 small needs 301k)', async () => {
    const device = await testDevice();
    const [rows, cols] = [65600, 128]; // 64 words a row: 65600 workgroups of 64 words
    const ld = packedRowWords(cols);
    const src = new Float32Array(rows * cols);
    for (let i = 0; i < src.length; i++) src[i] = ((i % 1000) - 500) / 64; // exact in f16
    const s = uploadBuffer(device, 'pack16.src', src);
    const d = uploadBuffer(device, 'pack16.dst', new Uint32Array(rows * ld));
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    encodeDispatches(pass, [pack16(device, { buffer: d }, { buffer: s }, rows, cols)]);
    pass.end();
    device.queue.submit([enc.finish()]);
    const got = new Uint32Array(await readBuffer(device, d));
    // Rows on both sides of the first dispatch row's end (65535 workgroups = row 65535 here) and the last.
    for (const r of [0, 65534, 65535, 65536, rows - 1]) {
      const want = packRows16(src.subarray(r * cols, (r + 1) * cols), 1, cols);
      for (let j = 0; j < ld; j++) if (got[r * ld + j] !== want[j]) throw new Error(`row ${r} word ${j}: 0x${got[r * ld + j]!.toString(16)}, expected 0x${want[j]!.toString(16)}`);
    }
    s.destroy();
    d.destroy();
  });
});
