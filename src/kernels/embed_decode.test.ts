import { describe, it } from 'vitest';
import { embedDecode } from './embed_decode';
import * as ref from '../reference/elementwise';
import { runKernelCase } from '../../test/kernel-case';
import { Rng, randomFloats } from '../../test/random';

describe('embed decode (one token at a position)', () => {
  for (const [V, maxT, C, token, pos] of [
    [1, 1, 1, 0, 0],
    [7, 5, 3, 6, 4],
    [65, 64, 17, 13, 63],
    [127, 65, 63, 126, 1],
  ] as const) {
    it(`matches the reference for V=${V} maxT=${maxT} C=${C} token=${token} pos=${pos}`, async () => {
      const rng = new Rng(V * 1000 + C);
      const wte = randomFloats(rng, V * C);
      const wpe = randomFloats(rng, maxT * C);
      await runKernelCase({
        name: `embed_decode C=${C}`,
        inputs: { wte, wpe, tok: new Uint32Array([token]) },
        outputs: { out: C },
        build: (dev, x) => {
          const k = embedDecode(dev, { buffer: x.out! }, { buffer: x.tok! }, { buffer: x.wte! }, { buffer: x.wpe! }, C);
          k.setPosition(pos);
          return k.dispatch;
        },
        expected: { out: ref.embedDecode(wte, wpe, token, pos, C) },
        tol: { atol: 1e-6, rtol: 1e-6 },
      });
    });
  }

  // wte split into 64-row chunks (C=4: 1 KiB views at 256-byte-aligned offsets): only the chunk
  // holding the token writes out; the others leave it as it was.
  for (const token of [0, 63, 64, 130]) {
    it(`over a vocabulary split into chunks: token ${token}`, async () => {
      const [V, maxT, C, pos] = [131, 9, 4, 7];
      const rng = new Rng(token + 1);
      const wte = randomFloats(rng, V * C);
      const wpe = randomFloats(rng, maxT * C);
      await runKernelCase({
        name: `embed_decode chunked token=${token}`,
        inputs: { wte, wpe, tok: new Uint32Array([token]) },
        outputs: { out: Float32Array.of(9, 9, 9, 9) },
        build: (dev, x) =>
          [[0, 64], [64, 128], [128, 131]].map(([lo, hi]) => {
            const wteView = { buffer: x.wte!, offset: lo! * C * 4, size: (hi! - lo!) * C * 4 };
            const k = embedDecode(dev, { buffer: x.out! }, { buffer: x.tok! }, wteView, { buffer: x.wpe! }, C, { lo: lo!, hi: hi! });
            k.setPosition(pos);
            return k.dispatch;
          }),
        expected: { out: ref.embedDecode(wte, wpe, token, pos, C) },
        tol: { atol: 1e-6, rtol: 1e-6 },
      });
    });
  }
});
