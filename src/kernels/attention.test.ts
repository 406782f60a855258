import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionDecode, attentionForward, type AttentionVariant } from './attention';
import { setKernelChoice } from './choice';
import * as ref from '../reference/attention';
import type { AttentionDropout } from '../reference/dropout';
import { encodeDispatches } from '../gpu/dispatch';
import { createStorage, readFloats, uploadBuffer } from '../gpu/buffers';
import { assertClose, runKernelCase, type Tol } from '../../test/kernel-case';
import { checkGradient } from '../../test/gradcheck';
import { subgroupKernelsRun, testDevice } from '../../test/gpu';
import { Rng, randomNormals } from '../../test/random';

// Tolerances: float32 GPU vs float64 reference, inputs ~N(0,1) (scores ~N(0,1) after 1/√HS), up to
// T=257. Observed worst errors on lavapipe are 5-10x below these (out 6e-7, lse 8e-7, dqkv 4e-6).
const TOL: Record<string, Tol> = {
  out: { atol: 5e-6, rtol: 1e-5 },
  lse: { atol: 5e-6, rtol: 1e-6 },
  probs: { atol: 1e-6, rtol: 1e-5 }, // the decode kernel's rows
  delta: { atol: 5e-6, rtol: 1e-5 },
  dqkv: { atol: 3e-5, rtol: 1e-4 },
};

/** Σ_i dout·out per (b, h, t): the backward's delta. */
function refDelta(dout: ArrayLike<number>, out: ArrayLike<number>, B: number, T: number, C: number, NH: number): Float64Array {
  const HS = C / NH;
  const d = new Float64Array(B * NH * T);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let h = 0; h < NH; h++) {
        let s = 0;
        for (let i = 0; i < HS; i++) s += dout[(b * T + t) * C + h * HS + i]! * out[(b * T + t) * C + h * HS + i]!;
        d[(b * NH + h) * T + t] = s;
      }
  return d;
}

/**
 * One submit of fused forward and fused backward (fed by the forward's out and lse), every output
 * checked against the float64 reference. Returns what the GPU wrote. The backward runs the
 * subgroup kernels with the subgroup forward, else the plain ones (the tiled variant is forward only).
 */
async function runAttention(name: string, qkv: Float32Array, dout: Float32Array, B: number, T: number, C: number, NH: number, variant: AttentionVariant = 'plain') {
  const r = ref.attentionForward(qkv, B, T, C, NH);
  return runKernelCase({
    name: `${name} [${variant}]`,
    inputs: { qkv, dout },
    outputs: { out: B * T * C, lse: B * NH * T, dqkv: B * T * 3 * C, delta: B * NH * T },
    build: (dev, x) => [
      ...attentionForward(dev, { buffer: x.out! }, { buffer: x.lse! }, { buffer: x.qkv! }, B, T, C, NH, { variant }),
      ...attentionBackward(dev, { buffer: x.dqkv! }, { buffer: x.delta! }, { buffer: x.dout! }, { buffer: x.out! }, { buffer: x.lse! }, { buffer: x.qkv! }, B, T, C, NH, { variant: variant === 'subgroups' ? 'subgroups' : 'plain' }),
    ],
    expected: {
      out: r.out,
      lse: r.lse,
      delta: refDelta(dout, r.out, B, T, C, NH),
      dqkv: ref.attentionBackward(dout, qkv, B, T, C, NH),
    },
    tol: TOL,
  });
}

/** Asserts a[i] and b[i] have the same float32 bits for every i in idx. */
function expectBitIdentical(what: string, a: Float32Array, b: Float32Array, idx: Iterable<number>): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (const i of idx) {
    n++;
    if (ua[i] !== ub[i]) throw new Error(`${what}: [${i}] differs: ${a[i]} vs ${b[i]}`);
  }
  expect(n).toBeGreaterThan(0);
}

describe('attention reference', () => {
  for (const [B, T, C, NH] of [
    [2, 5, 6, 2],
    [1, 4, 4, 1],
  ] as const) {
    it(`backward matches finite differences B=${B} T=${T} C=${C} NH=${NH}`, () => {
      const rng = new Rng(7 + T);
      const qkv = randomNormals(rng, B * T * 3 * C);
      const dout = randomNormals(rng, B * T * C);
      const analytic = ref.attentionBackward(dout, qkv, B, T, C, NH);
      checkGradient('attention reference dqkv', (x) => ref.attentionForward(x, B, T, C, NH).out, qkv, dout, analytic, { atol: 1e-7, rtol: 1e-6 });
    });
  }
});

describe('attention forward / backward vs reference', () => {
  // [B, T, C, NH]: T in 1, 3, 17, 63, 64, 65 (one and two 64-row blocks, partial 16-key tiles);
  // HS in 1, 3, 4, 17, 32, 64.
  const sizes: [number, number, number, number][] = [
    [1, 1, 3, 1],
    [2, 1, 8, 2],
    [2, 3, 8, 2],
    [3, 17, 51, 3],
    [1, 17, 4, 4],
    [1, 63, 64, 1],
    [2, 65, 128, 2],
    [1, 65, 12, 4],
    [1, 64, 128, 4], // tiny GPT's shape (B=1)
    [1, 257, 128, 2], // five query blocks, 17 key tiles
    [2, 67, 64, 2], // HS=32, odd T: two-row threads past the end
    [1, 33, 16, 2], // HS=8
    [1, 70, 96, 2], // HS=48: two vec4s per lane in the subgroup kernels
  ];
  // Every case on the plain kernels, on the subgroup ones (where the device passed the probe:
  // lavapipe does, so under CI their absence is a failure), and on the workgroup-memory tiled forward.
  for (const variant of ['plain', 'subgroups', 'tiled'] as const) {
    for (const [B, T, C, NH] of sizes) {
      it(`B=${B} T=${T} C=${C} NH=${NH} (HS=${C / NH})${variant === 'plain' ? '' : ` [${variant}]`}`, async () => {
        if (variant === 'subgroups' && !(await subgroupKernelsRun())) return;
        const rng = new Rng(1000 * T + C + NH + B);
        await runAttention(`attention B=${B} T=${T} C=${C} NH=${NH}`, randomNormals(rng, B * T * 3 * C), randomNormals(rng, B * T * C), B, T, C, NH, variant);
      });
    }
  }
});


/**
 * Fused forward and backward with attention-weight dropout (plain kernels, DROPOUT = true) against
 * the float64 reference with the same mask; delta is δ_t = dout_t·out_t of the dropped-out out.
 */
async function runAttentionDropout(name: string, qkv: Float32Array, dout: Float32Array, B: number, T: number, C: number, NH: number, drop: AttentionDropout) {
  const r = ref.attentionForward(qkv, B, T, C, NH, drop);
  return runKernelCase({
    name: `${name} [dropout p=${drop.p}]`,
    inputs: { qkv, dout, seed: Uint32Array.of(drop.seed) },
    outputs: { out: B * T * C, lse: B * NH * T, dqkv: B * T * 3 * C, delta: B * NH * T },
    build: (dev, x) => {
      const dropout = { p: drop.p, seed: { buffer: x.seed! }, stream: drop.stream };
      return [
        ...attentionForward(dev, { buffer: x.out! }, { buffer: x.lse! }, { buffer: x.qkv! }, B, T, C, NH, { dropout }),
        ...attentionBackward(dev, { buffer: x.dqkv! }, { buffer: x.delta! }, { buffer: x.dout! }, { buffer: x.out! }, { buffer: x.lse! }, { buffer: x.qkv! }, B, T, C, NH, { dropout }),
      ];
    },
    expected: { out: r.out, lse: r.lse, delta: refDelta(dout, r.out, B, T, C, NH), dqkv: ref.attentionBackward(dout, qkv, B, T, C, NH, drop) },
    tol: TOL,
  });
}

describe('attention dropout', () => {
  it('reference backward matches finite differences (mask fixed by seed and stream)', () => {
    const [B, T, C, NH] = [2, 5, 6, 2];
    const drop = { p: 0.3, seed: 17, stream: 4 };
    const rng = new Rng(71);
    const qkv = randomNormals(rng, B * T * 3 * C);
    const dout = randomNormals(rng, B * T * C);
    const analytic = ref.attentionBackward(dout, qkv, B, T, C, NH, drop);
    checkGradient('attention dropout reference dqkv', (x) => ref.attentionForward(x, B, T, C, NH, drop).out, qkv, dout, analytic, { atol: 1e-7, rtol: 1e-6 });
    // Not vacuous: the mask changes the output.
    const plain = ref.attentionForward(qkv, B, T, C, NH).out;
    expect(Array.from(ref.attentionForward(qkv, B, T, C, NH, drop).out)).not.toEqual(Array.from(plain));
  });

  // Every plain entry point: scalar main/dq/dkv (HS 1, 3, 17), main_vec4x2/dq_vec4x2 with dkv_vec4x2
  // (HS 4, 32) or dkv_vec4 (HS 64); T in 1, 3, 17, 63, 65, 67.
  const sizes: [number, number, number, number][] = [
    [1, 1, 3, 1],
    [2, 3, 8, 2],
    [3, 17, 51, 3],
    [1, 17, 4, 1],
    [1, 63, 64, 1],
    [2, 65, 128, 2],
    [1, 65, 12, 4],
    [2, 67, 64, 2],
  ];
  for (const [B, T, C, NH] of sizes) {
    for (const p of [0.1, 0.5]) {
      it(`B=${B} T=${T} C=${C} NH=${NH} (HS=${C / NH}) p=${p}: forward and backward vs reference`, async () => {
        const rng = new Rng(2000 * T + C + NH + B);
        await runAttentionDropout(`attention B=${B} T=${T} C=${C} NH=${NH}`, randomNormals(rng, B * T * 3 * C), randomNormals(rng, B * T * C), B, T, C, NH, { p, seed: 0xdeadbeef + T, stream: 5 + B });
      });
    }
  }

  it('p = 0 takes the unchanged kernels; dropout refuses the subgroup kernels', async () => {
    const device = await testDevice();
    const [dqkv, delta, dout, out, lse, qkv, seed] = Array.from({ length: 7 }, (_, i) => ({ buffer: createStorage(device, `b${i}`, 4096) }));
    const zero = attentionForward(device, out!, lse!, qkv!, 1, 4, 8, 2, { variant: 'plain', dropout: { p: 0, seed: seed!, stream: 1 } });
    expect(zero[0]!.label).toBe('attention_forward');
    const on = attentionBackward(device, dqkv!, delta!, dout!, out!, lse!, qkv!, 1, 4, 8, 2, { dropout: { p: 0.1, seed: seed!, stream: 1 } });
    expect(on.map((d) => d.label)).toEqual(['attention_backward_dq_dropout', 'attention_backward_dkv_dropout']);
    expect(() => attentionForward(device, out!, lse!, qkv!, 1, 4, 8, 2, { variant: 'subgroups', dropout: { p: 0.1, seed: seed!, stream: 1 } })).toThrow(/plain kernels/);
    for (const b of [dqkv, delta, dout, out, lse, qkv, seed]) b!.buffer.destroy();
  });
});

describe('attention forward variant choice', () => {
  it('the variant option picks the forward, the default without one; dropout runs the plain kernel', async () => {
    const device = await testDevice();
    const [out, lse, qkv, seed] = Array.from({ length: 4 }, (_, i) => ({ buffer: createStorage(device, `c${i}`, 4096) }));
    const label = (opts = {}) => attentionForward(device, out!, lse!, qkv!, 1, 4, 8, 2, opts)[0]!.label;
    const dropout = { p: 0.1, seed: seed!, stream: 1 };
    try {
      const before = label();
      expect(before).toMatch(/^attention_forward(_sg)?$/);
      expect(label({ variant: 'tiled' })).toBe('attention_forward_tiled');
      expect(label({ variant: 'plain' })).toBe('attention_forward');
      expect(label({ variant: undefined })).toBe(before);
      expect(label({ dropout })).toBe('attention_forward_dropout');
      expect(() => label({ variant: 'tiled', dropout })).toThrow(/plain kernels/);
      expect(() => setKernelChoice(device, { attention: 'fastest' as AttentionVariant })).toThrow(/cannot run/);
    } finally {
      for (const b of [out, lse, qkv, seed]) b!.buffer.destroy();
    }
  });
});

describe('attention masking: the future is hidden exactly', () => {
  for (const [B, T, C, NH, cut, variant] of [
    [2, 65, 128, 2, 40, 'plain'],
    [1, 65, 12, 4, 15, 'plain'],
    [1, 17, 51, 3, 0, 'plain'],
    [2, 65, 128, 2, 40, 'subgroups'],
    [1, 67, 64, 2, 30, 'subgroups'],
    [1, 67, 64, 2, 30, 'plain'],
    [2, 65, 128, 2, 40, 'tiled'], // cut inside a 32-key tile of the second query block
    [1, 65, 12, 4, 15, 'tiled'],
    [1, 17, 51, 3, 0, 'tiled'],
    [1, 67, 64, 2, 30, 'tiled'],
  ] as const) {
    it(`B=${B} T=${T} C=${C} NH=${NH}: k/v after t=${cut} do not touch rows ≤ ${cut}${variant === 'plain' ? '' : ` [${variant}]`}`, async () => {
      if (variant === 'subgroups' && !(await subgroupKernelsRun())) return;
      const C3 = 3 * C;
      const rng = new Rng(99 + cut);
      const qkv1 = randomNormals(rng, B * T * C3);
      // Same q everywhere; k and v of every token after `cut` replaced.
      const qkv2 = qkv1.slice();
      for (let b = 0; b < B; b++) for (let t = cut + 1; t < T; t++) qkv2.set(randomNormals(rng, 2 * C), (b * T + t) * C3 + C);
      const dout = randomNormals(rng, B * T * C);
      // With no gradient arriving at the future rows, nothing of the future can reach dk/dv of the past.
      const doutPast = dout.slice();
      for (let b = 0; b < B; b++) doutPast.fill(0, (b * T + cut + 1) * C, (b + 1) * T * C);

      const past = { rows: [] as number[], qRows: [] as number[], lse: [] as number[], grad: [] as number[], dq: [] as number[] };
      for (let b = 0; b < B; b++) {
        for (let t = 0; t <= cut; t++) {
          for (let c = 0; c < C; c++) past.rows.push((b * T + t) * C + c);
          for (let c = 0; c < C3; c++) past.grad.push((b * T + t) * C3 + c);
          for (let c = 0; c < C; c++) past.dq.push((b * T + t) * C3 + c);
          for (let h = 0; h < NH; h++) past.lse.push((b * NH + h) * T + t);
        }
      }
      const a = await runAttention('masking A', qkv1, doutPast, B, T, C, NH, variant);
      const b = await runAttention('masking B', qkv2, doutPast, B, T, C, NH, variant);
      expectBitIdentical('out', a.out!, b.out!, past.rows);
      expectBitIdentical('lse', a.lse!, b.lse!, past.lse);
      expectBitIdentical('dqkv (dq, dk, dv)', a.dqkv!, b.dqkv!, past.grad);
      // dq of the past never depends on the future, whatever the upstream gradient.
      const c = await runAttention('masking C', qkv1, dout, B, T, C, NH, variant);
      const d = await runAttention('masking D', qkv2, dout, B, T, C, NH, variant);
      expectBitIdentical('dq (full dout)', c.dqkv!, d.dqkv!, past.dq);
      // The change did reach the future rows (the comparison above is not vacuous).
      if (cut + 1 < T) expect(a.out![(cut + 1) * C]).not.toBe(b.out![(cut + 1) * C]);
    });
  }
});

describe('attention decode with a KV cache', () => {
  // [C, NH, maxT, T, prefill, scores]: decode positions prefill..T-1 one token at a time; with
  // `scores`, the kernel keeps the scores before the softmax too (KEEP_SCORES, the trace's form).
  for (const [C, NH, maxT, T, prefill, keepScores] of [
    [12, 4, 20, 20, 0, false],
    [51, 3, 24, 19, 5, false],
    [128, 2, 80, 70, 63, false],
    [64, 1, 70, 67, 1, false],
    [15, 3, 20, 20, 0, true],
    [128, 2, 80, 70, 63, true],
  ] as const) {
    it(`C=${C} NH=${NH} (HS=${C / NH}) maxT=${maxT}: prefill ${prefill}, decode to ${T}${keepScores ? ', scores kept' : ''}`, async () => {
      const device = await testDevice();
      const C3 = 3 * C;
      const rng = new Rng(5 * C + T);
      const seq = randomNormals(rng, T * C3);
      const r = ref.attentionForward(seq, 1, T, C, NH);
      const SENTINEL = 7.25; // cache rows not yet written must keep it
      const made: GPUBuffer[] = [];
      const mk = (label: string, data: Float32Array) => {
        const buf = uploadBuffer(device, label, data);
        made.push(buf);
        return buf;
      };
      // The first `prefill` rows of the caches hold k and v of those tokens already (a decoder that
      // resumes); rows past them hold the sentinel until decode writes them.
      const [k0, v0] = [new Float32Array(maxT * C).fill(SENTINEL), new Float32Array(maxT * C).fill(SENTINEL)];
      for (let t = 0; t < prefill; t++) {
        k0.set(seq.subarray(t * C3 + C, t * C3 + 2 * C), t * C);
        v0.set(seq.subarray(t * C3 + 2 * C, (t + 1) * C3), t * C);
      }
      const kCache = mk('kCache', k0);
      const vCache = mk('vCache', v0);
      const out = mk('out', new Float32Array(C));
      // The rows go after a base that moves with the position (as a decoder's later layers do): only
      // [base, base + NH*(pos+1)) may change.
      const base = (pos: number) => 3 * (pos + 1) + 1;
      // The scores (when kept) go after the weights, two floats apart, in the same buffer.
      const scoresBase = keepScores ? (pos: number) => base(pos) + NH * (pos + 1) + 2 : undefined;
      const probs = mk('probs', new Float32Array(base(maxT - 1) + 2 * NH * maxT + 8).fill(SENTINEL));
      const tokenQkv = mk('qkv', new Float32Array(C3));
      device.pushErrorScope('validation');
      let popped = false;
      try {
        const dec = attentionDecode(device, { buffer: out }, { buffer: probs }, { buffer: tokenQkv }, { buffer: kCache }, { buffer: vCache }, C, NH, maxT, base, scoresBase);
        for (let pos = prefill; pos < T; pos++) {
          device.queue.writeBuffer(tokenQkv, 0, seq.slice(pos * C3, (pos + 1) * C3));
          dec.setPosition(pos);
          const enc = device.createCommandEncoder();
          const pass = enc.beginComputePass();
          encodeDispatches(pass, dec.dispatches);
          pass.end();
          device.queue.submit([enc.finish()]);
          const gotOut = await readFloats(device, out);
          assertClose(`decode pos=${pos} out`, gotOut, r.out.subarray(pos * C, (pos + 1) * C), TOL.out!);
          const gotProbs = await readFloats(device, probs);
          const n = pos + 1;
          for (let h = 0; h < NH; h++) {
            const row = ((h * T) + pos) * T;
            const at = base(pos) + h * n;
            assertClose(`decode pos=${pos} probs head ${h}`, gotProbs.subarray(at, at + n), r.probs.subarray(row, row + n), TOL.probs!);
            if (scoresBase) {
              // q·k_j / √HS in float64, from the sequence (k_j of every earlier token, as the cache holds them).
              const HS = C / NH;
              const want = Float64Array.from({ length: n }, (_, j) => {
                let s = 0;
                for (let i = 0; i < HS; i++) s += seq[pos * C3 + h * HS + i]! * seq[j * C3 + C + h * HS + i]!;
                return s / Math.sqrt(HS);
              });
              const sAt = scoresBase(pos) + h * n;
              assertClose(`decode pos=${pos} scores head ${h}`, gotProbs.subarray(sAt, sAt + n), want, { atol: 1e-5, rtol: 1e-5 });
            }
          }
          if (pos === prefill) {
            // The first decode writes its packed rows (and the scores' when kept) and nothing else of probs.
            const end = scoresBase ? scoresBase(pos) + NH * n : base(pos) + NH * n;
            const gap = scoresBase ? gotProbs.subarray(base(pos) + NH * n, scoresBase(pos)) : [];
            const outside = [...gotProbs.subarray(0, base(pos)), ...gap, ...gotProbs.subarray(end)];
            if (outside.some((v) => v !== SENTINEL)) throw new Error(`decode pos=${pos}: probs written outside the packed rows`);
          }
        }
        popped = true;
        const err = await device.popErrorScope();
        if (err) throw new Error(`decode: WebGPU validation error: ${err.message}`);
        // The caches hold exactly k and v of every token seen, and nothing past them.
        const [gk, gv] = [await readFloats(device, kCache), await readFloats(device, vCache)];
        for (let t = 0; t < maxT; t++) {
          for (let c = 0; c < C; c++) {
            const wantK = t < T ? seq[t * C3 + C + c]! : SENTINEL;
            const wantV = t < T ? seq[t * C3 + 2 * C + c]! : SENTINEL;
            if (gk[t * C + c] !== wantK || gv[t * C + c] !== wantV) {
              throw new Error(`cache row ${t} col ${c}: k ${gk[t * C + c]} (want ${wantK}), v ${gv[t * C + c]} (want ${wantV})`);
            }
          }
        }
      } catch (e) {
        // Leave the device's error-scope stack as we found it, then report the first failure.
        if (!popped) await device.popErrorScope();
        throw e;
      } finally {
        for (const b of made) b.destroy();
      }
    });
  }
});
