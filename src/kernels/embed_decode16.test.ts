import { describe, it } from 'vitest';
import { embedDecode16 } from './embed_decode16';
import { packRows16, packedRowWords, unpackRows16 } from './packed16';
import * as ref from '../reference/elementwise';
import { runKernelCase } from '../../test/kernel-case';
import { Rng, randomFloats } from '../../test/random';

describe('embed decode with 16-bit tables', () => {
  // The reference sums the same half-precision values in float64; the kernel's one f32 add is
  // exact to half an f32 ulp: rtol 2^-24 (plus a hair).
  const tol = { atol: 1e-7, rtol: 1e-7 };
  for (const [V, maxT, C, token, pos] of [
    [1, 1, 1, 0, 0],
    [7, 5, 3, 6, 4],
    [65, 64, 17, 13, 63],
    [127, 65, 63, 126, 1],
  ] as const) {
    it(`matches the reference for V=${V} maxT=${maxT} C=${C} token=${token} pos=${pos}`, async () => {
      const rng = new Rng(V * 1000 + C);
      const wte = packRows16(randomFloats(rng, V * C), V, C);
      const wpe = packRows16(randomFloats(rng, maxT * C), maxT, C);
      await runKernelCase({
        name: `embed_decode16 C=${C}`,
        inputs: { wte, wpe, tok: new Uint32Array([token]) },
        outputs: { out: C },
        build: (dev, x) => {
          const k = embedDecode16(dev, { buffer: x.out! }, { buffer: x.tok! }, { buffer: x.wte! }, { buffer: x.wpe! }, C);
          k.setPosition(pos);
          return k.dispatch;
        },
        expected: { out: ref.embedDecode(unpackRows16(wte, V, C), unpackRows16(wpe, maxT, C), token, pos, C) },
        tol,
      });
    });
  }

  for (const token of [0, 63, 64, 130]) {
    it(`over a vocabulary split into 64-row chunks: token ${token}`, async () => {
      const [V, maxT, C, pos] = [131, 9, 4, 7];
      const rng = new Rng(token + 1);
      const wte = packRows16(randomFloats(rng, V * C), V, C);
      const wpe = packRows16(randomFloats(rng, maxT * C), maxT, C);
      const rowBytes = packedRowWords(C) * 4;
      await runKernelCase({
        name: `embed_decode16 chunked token=${token}`,
        inputs: { wte, wpe, tok: new Uint32Array([token]) },
        outputs: { out: Float32Array.of(9, 9, 9, 9) },
        build: (dev, x) =>
          [[0, 64], [64, 128], [128, 131]].map(([lo, hi]) => {
            const view = { buffer: x.wte!, offset: lo! * rowBytes, size: (hi! - lo!) * rowBytes };
            const k = embedDecode16(dev, { buffer: x.out! }, { buffer: x.tok! }, view, { buffer: x.wpe! }, C, { lo: lo!, hi: hi! });
            k.setPosition(pos);
            return k.dispatch;
          }),
        expected: { out: ref.embedDecode(unpackRows16(wte, V, C), unpackRows16(wpe, maxT, C), token, pos, C) },
        tol,
      });
    });
  }

  // T rows at once (the 16-bit prefill): row t = wte[token[t]] + wpe[pos + t]; odd C, from a later
  // position, over a vocabulary split into chunks (each chunk writes only its tokens' rows).
  for (const [T, C, pos] of [
    [1, 17, 3],
    [5, 3, 0],
    [37, 63, 2],
  ] as const) {
    it(`embeds ${T} rows (C=${C}, from position ${pos}) over a vocabulary in 64-row chunks`, async () => {
      const [V, maxT] = [131, 40];
      const rng = new Rng(T * 100 + C);
      const wte = packRows16(randomFloats(rng, V * C), V, C);
      const wpe = packRows16(randomFloats(rng, maxT * C), maxT, C);
      // Both ends of each chunk first, then any token.
      const ends = [130, 0, 63, 64, 127, 128];
      const tokens = Array.from({ length: T }, (_, t) => (t < ends.length ? ends[t]! : rng.int(V)));
      const rowBytes = packedRowWords(C) * 4;
      const wteF = unpackRows16(wte, V, C);
      const wpeF = unpackRows16(wpe, maxT, C);
      const expected = new Float64Array(T * C);
      tokens.forEach((tok, t) => expected.set(ref.embedDecode(wteF, wpeF, tok, pos + t, C), t * C));
      await runKernelCase({
        name: `embed_decode16 T=${T} C=${C}`,
        inputs: { wte, wpe, tok: Uint32Array.from(tokens) },
        outputs: { out: new Float32Array(T * C).fill(9) },
        build: (dev, x) =>
          [[0, 64], [64, 128], [128, 131]].map(([lo, hi]) => {
            const view = { buffer: x.wte!, offset: lo! * rowBytes, size: (hi! - lo!) * rowBytes };
            const k = embedDecode16(dev, { buffer: x.out! }, { buffer: x.tok! }, view, { buffer: x.wpe! }, C, { lo: lo!, hi: hi! }, T);
            k.setPosition(pos);
            return k.dispatch;
          }),
        expected: { out: expected },
        tol,
      });
    });
  }
});
