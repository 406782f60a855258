import { describe, it } from 'vitest';
import { kvStore } from './kv_store';
import * as ref from '../reference/elementwise';
import { runKernelCase } from '../../test/kernel-case';
import { Rng, randomFloats } from '../../test/random';

describe('kv_store (batched prefill of the KV cache)', () => {
  // Awkward sizes; the cache is longer than T and keeps its rows from T on.
  for (const [T, C, maxT] of [[1, 3, 1], [3, 17, 5], [63, 15, 65], [65, 64, 127], [300, 256, 301]] as const) {
    it(`matches the reference for T=${T}, C=${C}, maxT=${maxT}`, async () => {
      const rng = new Rng(T * 1000 + C);
      const qkv = randomFloats(rng, T * 3 * C);
      const kInit = randomFloats(rng, maxT * C);
      const vInit = randomFloats(rng, maxT * C);
      const k = Float64Array.from(kInit);
      const v = Float64Array.from(vInit);
      ref.kvStore(k, v, qkv, T, C);
      await runKernelCase({
        name: `kv_store T=${T} C=${C}`,
        inputs: { qkv },
        outputs: { k: kInit, v: vInit },
        build: (dev, x) => kvStore(dev, { buffer: x.k! }, { buffer: x.v! }, { buffer: x.qkv! }, T, C),
        expected: { k, v },
        tol: { atol: 0, rtol: 0 },
      });
    });
  }
});
