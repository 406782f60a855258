import { describe, expect, it } from 'vitest';
import { encoderBackward, encoderBackwardWpe, encoderBackwardWte, encoderForward, packTokenBuckets } from './encoder';
import * as ref from '../reference/encoder';
import { runKernelCase } from '../../test/kernel-case';
import { checkGradient } from '../../test/gradcheck';
import { testDevice } from '../../test/gpu';
import { createStorage } from '../gpu/buffers';
import { Rng, randomFloats, randomInts } from '../../test/random';

const TOL = { atol: 1e-6, rtol: 1e-6 };

describe('packTokenBuckets', () => {
  it('groups positions by token, ascending, with empty padded buckets', () => {
    const tokens = Uint32Array.from([5, 2, 5, 9, 2, 5]);
    const BT = 6;
    const p = packTokenBuckets(tokens);
    expect(p.length).toBe(3 * BT + 1);
    expect([...p.subarray(0, BT)]).toEqual([2, 5, 9, 0, 0, 0]); // unique
    expect([...p.subarray(BT, 2 * BT + 1)]).toEqual([0, 2, 5, 6, 6, 6, 6]); // offsets
    expect([...p.subarray(2 * BT + 1)]).toEqual([1, 4, 0, 2, 5, 3]); // positions
  });

  it('handles one token, all-equal tokens and token 0', () => {
    expect([...packTokenBuckets(Uint32Array.from([7]))]).toEqual([7, 0, 1, 0]);
    expect([...packTokenBuckets(Uint32Array.from([0, 0, 0]))]).toEqual([0, 0, 0, 0, 3, 3, 3, 0, 1, 2]);
    expect([...packTokenBuckets(new Uint32Array(0))]).toEqual([0]);
  });

  it('covers every position exactly once, each in its token bucket', () => {
    const tokens = randomInts(new Rng(11), 1000, 37);
    const BT = tokens.length;
    const p = packTokenBuckets(tokens);
    const seen = new Set<number>();
    for (let u = 0; u < BT; u++) {
      const [begin, end] = [p[BT + u]!, p[BT + u + 1]!];
      expect(begin).toBeLessThanOrEqual(end);
      if (u > 0 && begin < end) expect(p[u]!).toBeGreaterThan(p[u - 1]!);
      for (let k = begin; k < end; k++) {
        const pos = p[2 * BT + 1 + k]!;
        expect(tokens[pos]).toBe(p[u]);
        if (k > begin) expect(pos).toBeGreaterThan(p[2 * BT + 1 + k - 1]!);
        seen.add(pos);
      }
    }
    expect(seen.size).toBe(BT);
  });
});

interface Case {
  B: number;
  T: number;
  C: number;
  V: number;
  maxT: number;
  tokens?: (rng: Rng, n: number) => Uint32Array;
}

const CASES: Case[] = [
  { B: 1, T: 1, C: 1, V: 1, maxT: 1 },
  { B: 1, T: 3, C: 17, V: 5, maxT: 4 },
  { B: 2, T: 17, C: 63, V: 11, maxT: 20 },
  { B: 3, T: 65, C: 3, V: 1000, maxT: 65 },
  { B: 2, T: 63, C: 127, V: 50257, maxT: 64, tokens: (rng, n) => Uint32Array.from({ length: n }, () => 50257 - 1 - rng.int(3)) },
  // Many positions of one token (e.g. padding), plus a few others.
  { B: 4, T: 127, C: 65, V: 9, maxT: 128, tokens: (rng, n) => Uint32Array.from({ length: n }, () => (rng.next() < 0.9 ? 4 : rng.int(9))) },
  // Every position the same token.
  { B: 3, T: 33, C: 17, V: 3, maxT: 40, tokens: (_, n) => new Uint32Array(n).fill(2) },
];

describe('encoder', () => {
  for (const { B, T, C, V, maxT, tokens: tok } of CASES) {
    const name = `B=${B} T=${T} C=${C} V=${V}`;
    const rng = new Rng(B * 7 + T * 131 + C * 1009 + V);
    const tokens = tok ? tok(rng, B * T) : randomInts(rng, B * T, V);
    const wte = randomFloats(rng, V * C);
    const wpe = randomFloats(rng, maxT * C);
    const dout = randomFloats(rng, B * T * C);
    const dwte0 = randomFloats(rng, V * C); // the tied head's part, already there
    const dwpe0 = randomFloats(rng, maxT * C, -50, 50); // garbage: rows < T overwritten, rest kept

    it(`forward matches the reference for ${name}`, async () => {
      await runKernelCase({
        name: `encoder fwd ${name}`,
        inputs: { tokens, wte, wpe },
        outputs: { out: B * T * C },
        build: (dev, b) => encoderForward(dev, { buffer: b.out! }, { buffer: b.tokens! }, { buffer: b.wte! }, { buffer: b.wpe! }, B, T, C),
        expected: { out: ref.encoderForward(tokens, wte, wpe, B, T, C) },
        tol: TOL,
      });
    });

    it(`backward accumulates dwte, overwrites dwpe rows < T only, for ${name}`, async () => {
      const want = ref.encoderBackward(dout, tokens, B, T, C, V);
      const dwte = want.dwte.map((v, i) => v + dwte0[i]!);
      const dwpe = Float64Array.from(dwpe0);
      dwpe.set(want.dwpe);
      await runKernelCase({
        name: `encoder bwd ${name}`,
        inputs: { dout, buckets: packTokenBuckets(tokens) },
        outputs: { dwte: dwte0.slice(), dwpe: dwpe0.slice() },
        build: (dev, b) => encoderBackward(dev, { buffer: b.dwte! }, { buffer: b.dwpe! }, { buffer: b.dout! }, { buffer: b.buckets! }, B, T, C),
        expected: { dwte, dwpe },
        // A token seen at P positions sums P terms of magnitude <= 1.
        tol: { atol: 1e-5 * Math.sqrt(B * T), rtol: 1e-5 },
      });
    });
  }

  // A wte too large for one binding is split into row chunks bound at 256-byte-aligned offsets
  // (here 64-row chunks of a C=4 table: 1 KiB each, and a ragged last chunk): one dispatch per
  // chunk, each touching only the positions / rows of its own tokens, must give the whole result.
  describe('over a vocabulary split into chunks', () => {
    const [B, T, C, V, maxT] = [3, 41, 4, 150, 48];
    const chunks = [[0, 64], [64, 128], [128, 150]] as const;
    const rng = new Rng(150);
    const tokens = randomInts(rng, B * T, V);
    tokens[0] = 0; tokens[1] = 63; tokens[2] = 64; tokens[3] = 127; tokens[4] = 128; tokens[5] = 149; // every chunk edge
    const wte = randomFloats(rng, V * C);
    const wpe = randomFloats(rng, maxT * C);
    const dout = randomFloats(rng, B * T * C);
    const dwte0 = randomFloats(rng, V * C);
    const view = (buffer: GPUBuffer, lo: number, hi: number) => ({ buffer, offset: lo * C * 4, size: (hi - lo) * C * 4 });

    it('forward: each chunk writes its tokens\' positions, together all of them', async () => {
      await runKernelCase({
        name: 'encoder fwd chunked',
        inputs: { tokens, wte, wpe },
        outputs: { out: B * T * C },
        build: (dev, b) => chunks.map(([lo, hi]) => encoderForward(dev, { buffer: b.out! }, { buffer: b.tokens! }, view(b.wte!, lo, hi), { buffer: b.wpe! }, B, T, C, { lo, hi })),
        expected: { out: ref.encoderForward(tokens, wte, wpe, B, T, C) },
        tol: TOL,
      });
    });

    it('forward: one chunk leaves the other positions untouched', async () => {
      const before = randomFloats(rng, B * T * C);
      const full = ref.encoderForward(tokens, wte, wpe, B, T, C);
      const want = Float64Array.from(before);
      for (let i = 0; i < B * T; i++) if (tokens[i]! >= 64 && tokens[i]! < 128) want.set(full.subarray(i * C, (i + 1) * C), i * C);
      await runKernelCase({
        name: 'encoder fwd one chunk',
        inputs: { tokens, wte, wpe },
        outputs: { out: before },
        build: (dev, b) => encoderForward(dev, { buffer: b.out! }, { buffer: b.tokens! }, view(b.wte!, 64, 128), { buffer: b.wpe! }, B, T, C, { lo: 64, hi: 128 }),
        expected: { out: want },
        tol: TOL,
      });
    });

    it('backward: dwte accumulated chunk by chunk equals the whole', async () => {
      const want = ref.encoderBackward(dout, tokens, B, T, C, V);
      await runKernelCase({
        name: 'encoder bwd chunked',
        inputs: { dout, buckets: packTokenBuckets(tokens) },
        outputs: { dwte: dwte0.slice(), dwpe: maxT * C },
        build: (dev, b) => [
          ...chunks.map(([lo, hi]) => encoderBackwardWte(dev, view(b.dwte!, lo, hi), { buffer: b.dout! }, { buffer: b.buckets! }, B, T, C, { lo, hi })),
          encoderBackwardWpe(dev, { buffer: b.dwpe! }, { buffer: b.dout! }, B, T, C),
        ],
        expected: { dwte: want.dwte.map((v, i) => v + dwte0[i]!), dwpe: [...want.dwpe, ...new Array((maxT - T) * C).fill(0)] },
        tol: { atol: 1e-5 * Math.sqrt(B * T), rtol: 1e-5 },
      });
    });
  });

  it('backward folds more than 65535 buckets into a 2-D grid (B·T = 70000)', async () => {
    const [B, T, C, V] = [70, 1000, 2, 300];
    const rng = new Rng(70000);
    const tokens = randomInts(rng, B * T, V);
    const dout = randomFloats(rng, B * T * C);
    const want = ref.encoderBackward(dout, tokens, B, T, C, V);
    await runKernelCase({
      name: 'encoder bwd fold',
      inputs: { dout, buckets: packTokenBuckets(tokens) },
      outputs: { dwte: V * C, dwpe: T * C },
      build: (dev, b) => encoderBackward(dev, { buffer: b.dwte! }, { buffer: b.dwpe! }, { buffer: b.dout! }, { buffer: b.buckets! }, B, T, C),
      expected: { dwte: want.dwte, dwpe: want.dwpe },
      tol: { atol: 1e-4, rtol: 1e-5 },
    });
  });

  it('keeps every dispatch within 65535 workgroups per dimension at GPT-2 sizes', async () => {
    const dev = await testDevice();
    const tiny = { buffer: createStorage(dev, 'encoder.tiny', 16) };
    const [B, T, C] = [64, 1024, 3072]; // B·T·C / 256 = 786432 forward workgroups before folding
    const ds = [encoderForward(dev, tiny, tiny, tiny, tiny, B, T, C), ...encoderBackward(dev, tiny, tiny, tiny, tiny, B, T, C)];
    for (const d of ds) expect(Math.max(...d.workgroups), d.label).toBeLessThanOrEqual(65535);
    expect(ds[0]!.workgroups[0] * ds[0]!.workgroups[1] * 256).toBeGreaterThanOrEqual(B * T * C);
    expect(ds[1]!.workgroups[0] * ds[1]!.workgroups[1]).toBeGreaterThanOrEqual(B * T);
    tiny.buffer.destroy();
  });

  it('reference backward matches finite differences (wte and wpe)', () => {
    const [B, T, C, V, maxT] = [2, 3, 4, 3, 5];
    const rng = new Rng(17);
    const tokens = Uint32Array.from([1, 1, 0, 1, 2, 1]);
    const wte = randomFloats(rng, V * C);
    const wpe = randomFloats(rng, maxT * C);
    const dout = randomFloats(rng, B * T * C);
    const g = ref.encoderBackward(dout, tokens, B, T, C, V);
    checkGradient('encoder dwte', (v) => ref.encoderForward(tokens, v, wpe, B, T, C), wte, dout, g.dwte);
    // wpe rows >= T get no gradient.
    const dwpeFull = new Float64Array(maxT * C);
    dwpeFull.set(g.dwpe);
    checkGradient('encoder dwpe', (v) => ref.encoderForward(tokens, wte, v, B, T, C), wpe, dout, dwpeFull);
  });
});
