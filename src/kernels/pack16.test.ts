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
});
