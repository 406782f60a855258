import { describe, expect, it } from 'vitest';
import {
  refAdamWStep, refAttentionProbs, refBackward, refForward, refInitParams, refIsDecayed, refParamShapes,
  type RefAdamW, type RefConfig, type RefParams,
} from './gpt';
import { checkGradient } from '../../test/gradcheck';
import { Rng, randomInts } from '../../test/random';

const tiny: RefConfig = { n_layer: 2, n_head: 2, n_embd: 8, block_size: 5, vocab_size: 7 };

/**
 * Parameters far from the init's symmetric point (non-unit layernorm weights, non-zero biases,
 * O(1) activations) so that every term of the backward pass matters in the finite differences.
 */
function randomParams(c: RefConfig, seed: number): RefParams {
  const rng = new Rng(seed);
  const p: RefParams = {};
  for (const [name, shape] of Object.entries(refParamShapes(c))) {
    const a = new Float64Array(shape.reduce((x, y) => x * y, 1));
    const isLnWeight = /ln_(1|2|f)\.weight$/.test(name);
    const std = name.endsWith('.bias') ? 0.1 : isLnWeight ? 0.2 : name.startsWith('w') ? 0.5 : 0.3;
    for (let i = 0; i < a.length; i++) a[i] = (isLnWeight ? 1 : 0) + std * rng.normal();
    p[name] = a;
  }
  return p;
}

const clone = (p: RefParams): RefParams => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Float64Array.from(v)]));

describe('reference GPT-2: parameters', () => {
  it('has the Hugging Face names and Conv1D shapes', () => {
    const s = refParamShapes(tiny);
    expect(s['wte.weight']).toEqual([7, 8]);
    expect(s['wpe.weight']).toEqual([5, 8]);
    expect(s['h.1.attn.c_attn.weight']).toEqual([8, 24]);
    expect(s['h.1.mlp.c_fc.weight']).toEqual([8, 32]);
    expect(s['h.1.mlp.c_proj.weight']).toEqual([32, 8]);
    expect(s['ln_f.bias']).toEqual([8]);
    expect(Object.keys(s)).toHaveLength(2 + 12 * 2 + 2);
  });

  it('initialises like nanoGPT and reproducibly', () => {
    const c: RefConfig = { n_layer: 4, n_head: 4, n_embd: 64, block_size: 32, vocab_size: 100 };
    const p = refInitParams(c, 1);
    expect(refInitParams(c, 1)['h.0.mlp.c_fc.weight']).toEqual(p['h.0.mlp.c_fc.weight']);
    const std = (a: Float64Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
    expect(std(p['h.0.mlp.c_fc.weight']!)).toBeCloseTo(0.02, 3);
    expect(std(p['h.0.mlp.c_proj.weight']!)).toBeCloseTo(0.02 / Math.sqrt(8), 3);
    expect(Array.from(p['h.2.ln_1.weight']!).every((x) => x === 1)).toBe(true);
    expect(Array.from(p['h.2.attn.c_attn.bias']!).every((x) => x === 0)).toBe(true);
  });
});

describe('reference GPT-2: forward', () => {
  it('loss of a fresh model is about ln(V)', () => {
    const c: RefConfig = { n_layer: 2, n_head: 4, n_embd: 32, block_size: 16, vocab_size: 65 };
    const rng = new Rng(5);
    const x = randomInts(rng, 2 * 16, 65);
    const y = randomInts(rng, 2 * 16, 65);
    const { loss, logits } = refForward(c, refInitParams(c, 0), x, 2, 16, y);
    expect(logits.length).toBe(2 * 16 * 65);
    expect(Math.abs(loss! - Math.log(65))).toBeLessThan(0.02);
    // All-zero weights give all-zero logits: exactly the uniform distribution.
    const zero = refInitParams(c, 0);
    zero['wte.weight']!.fill(0);
    expect(refForward(c, zero, x, 2, 16, y).loss).toBeCloseTo(Math.log(65), 12);
  });

  it('is causal: changing a later token leaves earlier logits unchanged', () => {
    const p = randomParams(tiny, 1);
    const V = tiny.vocab_size;
    const a = [3, 1, 4, 1, 5];
    const b = [3, 1, 4, 6, 2];
    const la = refForward(tiny, p, a, 1, 5).logits;
    const lb = refForward(tiny, p, b, 1, 5).logits;
    expect(Array.from(lb.subarray(0, 3 * V))).toEqual(Array.from(la.subarray(0, 3 * V)));
    for (const t of [3, 4]) expect(Array.from(lb.subarray(t * V, (t + 1) * V))).not.toEqual(Array.from(la.subarray(t * V, (t + 1) * V)));
    // A shorter sequence gives the same logits as the prefix of a longer one.
    const l3 = refForward(tiny, p, a.slice(0, 3), 1, 3).logits;
    expect(Array.from(l3)).toEqual(Array.from(la.subarray(0, 3 * V)));
  });

  it('treats batch rows independently', () => {
    const p = randomParams(tiny, 2);
    const a = [0, 1, 2, 3, 4];
    const b = [6, 5, 4, 3, 2];
    const both = refForward(tiny, p, [...a, ...b], 2, 5).logits;
    const V = tiny.vocab_size;
    expect(Array.from(both.subarray(0, 5 * V))).toEqual(Array.from(refForward(tiny, p, a, 1, 5).logits));
    expect(Array.from(both.subarray(5 * V))).toEqual(Array.from(refForward(tiny, p, b, 1, 5).logits));
  });

  it('rejects bad inputs', () => {
    const p = randomParams(tiny, 3);
    expect(() => refForward(tiny, p, [0, 1, 7], 1, 3)).toThrow(/outside/);
    expect(() => refForward(tiny, p, [0, 1, 2, 3, 4, 5], 1, 6)).toThrow(/block_size/);
    expect(() => refForward(tiny, p, [0, 1], 1, 3)).toThrow(/Expected/);
    expect(() => refForward(tiny, { ...p, 'h.1.mlp.c_fc.bias': new Float64Array(3) }, [0], 1, 1)).toThrow(/c_fc.bias/);
  });
});

describe('reference GPT-2: attention probabilities', () => {
  it('has shape (n_layer, n_head, T, T), causal rows summing to 1', () => {
    const p = randomParams(tiny, 4);
    const T = 4;
    const a = refAttentionProbs(tiny, p, [1, 2, 3, 4]);
    expect(a.length).toBe(2 * 2 * T * T);
    for (let r = 0; r < 2 * 2 * T; r++) {
      const t = r % T;
      let sum = 0;
      for (let t2 = 0; t2 < T; t2++) {
        const x = a[r * T + t2]!;
        if (t2 > t) expect(x).toBe(0);
        else expect(x).toBeGreaterThan(0);
        sum += x;
      }
      expect(sum).toBeCloseTo(1, 14);
    }
  });

  it('is uniform over the past when queries and keys are zero', () => {
    const p = randomParams(tiny, 5);
    for (const l of [0, 1]) {
      // Zero the q and k columns of c_attn (weights and bias); v keeps its values.
      const w = p[`h.${l}.attn.c_attn.weight`]!;
      for (let i = 0; i < 8; i++) for (let j = 0; j < 16; j++) w[i * 24 + j] = 0;
      p[`h.${l}.attn.c_attn.bias`]!.fill(0, 0, 16);
    }
    const T = 5;
    const a = refAttentionProbs(tiny, p, [0, 1, 2, 3, 4]);
    for (let r = 0; r < 2 * 2 * T; r++) {
      const t = r % T;
      for (let t2 = 0; t2 <= t; t2++) expect(a[r * T + t2]).toBeCloseTo(1 / (t + 1), 14);
    }
  });
});

describe('reference GPT-2: backward', () => {
  const B = 2;
  const T = 5;
  const rng = new Rng(77);
  const tokens = randomInts(rng, B * T, tiny.vocab_size);
  const targets = randomInts(rng, B * T, tiny.vocab_size);
  const p = randomParams(tiny, 6);
  const fwd = refForward(tiny, p, tokens, B, T, targets);
  const grads = refBackward(tiny, p, fwd, tokens, targets, B, T);

  it('returns a gradient for every parameter, with the same names and sizes', () => {
    expect(Object.keys(grads).sort()).toEqual(Object.keys(p).sort());
    for (const [k, v] of Object.entries(p)) expect(grads[k]!.length).toBe(v.length);
    // No tensor's gradient vanishes: the finite-difference checks below are not vacuous.
    for (const [k, g] of Object.entries(grads)) expect(Math.sqrt(g.reduce((s, x) => s + x * x, 0)), k).toBeGreaterThan(1e-3);
  });

  // Every index of every tensor (~1900 parameters, two tiny forwards each).
  for (const name of Object.keys(refParamShapes(tiny))) {
    it(`matches finite differences: ${name}`, () => {
      const loss = (x: Float64Array) => [refForward(tiny, { ...p, [name]: x }, tokens, B, T, targets).loss!];
      checkGradient(name, loss, p[name]!, [1], grads[name]!, { atol: 1e-8, rtol: 1e-6 }, 1e-5, Infinity);
    });
  }

  it('matches finite differences with T < block_size and B = 3', () => {
    const B3 = 3;
    const T3 = 3;
    const r = new Rng(78);
    const x = randomInts(r, B3 * T3, tiny.vocab_size);
    const y = randomInts(r, B3 * T3, tiny.vocab_size);
    const q = randomParams(tiny, 7);
    const g = refBackward(tiny, q, refForward(tiny, q, x, B3, T3, y), x, y, B3, T3);
    for (const name of ['wte.weight', 'wpe.weight', 'h.0.attn.c_attn.weight', 'h.1.ln_2.weight']) {
      const loss = (v: Float64Array) => [refForward(tiny, { ...q, [name]: v }, x, B3, T3, y).loss!];
      checkGradient(name, loss, q[name]!, [1], g[name]!, { atol: 1e-8, rtol: 1e-6 }, 1e-5, Infinity);
    }
    // Positions past T get no gradient.
    expect(Array.from(g['wpe.weight']!.subarray(T3 * 8)).every((v) => v === 0)).toBe(true);
  });
});

describe('reference GPT-2: dropout', () => {
  const B = 2;
  const T = 5;
  const rng = new Rng(79);
  const tokens = randomInts(rng, B * T, tiny.vocab_size);
  const targets = randomInts(rng, B * T, tiny.vocab_size);
  const p = randomParams(tiny, 8);
  const drop = { p: 0.3, seed: 4242 };

  it('changes the loss; p = 0 is no dropout; the seed picks the masks', () => {
    const plain = refForward(tiny, p, tokens, B, T, targets).loss!;
    const dropped = refForward(tiny, p, tokens, B, T, targets, drop).loss!;
    expect(Math.abs(dropped - plain)).toBeGreaterThan(1e-3);
    expect(refForward(tiny, p, tokens, B, T, targets, { p: 0, seed: 1 }).loss).toBe(plain);
    expect(refForward(tiny, p, tokens, B, T, targets, drop).loss).toBe(dropped);
    expect(refForward(tiny, p, tokens, B, T, targets, { ...drop, seed: 4243 }).loss).not.toBe(dropped);
  });

  it('backward matches finite differences with the masks fixed (every tensor)', () => {
    const g = refBackward(tiny, p, refForward(tiny, p, tokens, B, T, targets, drop), tokens, targets, B, T);
    for (const name of Object.keys(refParamShapes(tiny))) {
      const loss = (x: Float64Array) => [refForward(tiny, { ...p, [name]: x }, tokens, B, T, targets, drop).loss!];
      checkGradient(`${name} (dropout)`, loss, p[name]!, [1], g[name]!, { atol: 1e-8, rtol: 1e-6 }, 1e-5, 40);
    }
  });
});

describe('reference AdamW', () => {
  it('decays matrices and embeddings only', () => {
    expect(refIsDecayed('wte.weight')).toBe(true);
    expect(refIsDecayed('wpe.weight')).toBe(true);
    expect(refIsDecayed('h.3.attn.c_attn.weight')).toBe(true);
    expect(refIsDecayed('h.3.mlp.c_proj.weight')).toBe(true);
    expect(refIsDecayed('h.3.attn.c_attn.bias')).toBe(false);
    expect(refIsDecayed('h.3.ln_1.weight')).toBe(false);
    expect(refIsDecayed('ln_f.weight')).toBe(false);
  });

  it('matches a hand-worked two-step example (clipping, decay, bias correction)', () => {
    // One decayed weight w = 1 and one bias b = -2. lr 0.1, betas (0.9, 0.99), eps 1e-8, wd 0.5, max norm 0.25.
    const h: RefAdamW = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5, maxGradNorm: 0.25 };
    const p: RefParams = { 'h.0.mlp.c_fc.weight': Float64Array.of(1), 'h.0.mlp.c_fc.bias': Float64Array.of(-2) };
    const m: RefParams = { 'h.0.mlp.c_fc.weight': Float64Array.of(0), 'h.0.mlp.c_fc.bias': Float64Array.of(0) };
    const v = clone(m);
    const W = 'h.0.mlp.c_fc.weight';
    const Bn = 'h.0.mlp.c_fc.bias';

    // Step 1: g = (0.3, -0.4), norm 0.5 -> clip 0.25/(0.5+1e-6) = 0.499999000002, g' = (0.1499997, -0.1999996).
    // m = 0.1 g', v = 0.01 g'^2; bias-corrected m^ = g', v^ = g'^2, so the update is lr * g'/(|g'| + eps).
    // w: 1 * (1 - 0.1*0.5) - 0.1 * 0.1499997/(0.1499997 + 1e-8) = 0.95 - 0.09999999333 = 0.85000000667.
    // b (not decayed): -2 + 0.1 * 0.1999996/(0.1999996 + 1e-8) = -1.900000005.
    const g1: RefParams = { [W]: Float64Array.of(0.3), [Bn]: Float64Array.of(-0.4) };
    expect(refAdamWStep(p, g1, m, v, 1, h)).toBeCloseTo(0.5, 15);
    expect(p[W]![0]).toBeCloseTo(0.8500000066666795, 14);
    expect(p[Bn]![0]).toBeCloseTo(-1.9000000050000097, 14);
    expect(m[W]![0]).toBeCloseTo(0.01499997000006, 15);
    expect(v[Bn]![0]).toBeCloseTo(0.0003999984000048, 15);
    expect(g1[W]![0]).toBe(0.3); // gradients are not modified

    // Step 2: g = (0.1, 0.2), norm 0.2236 < 0.25: no clipping.
    // w: 0.85 * 0.95 = 0.8075; m = 0.9*0.015 + 0.01 = 0.0235, v = 0.99*0.000225 + 0.0001 = 0.00032275;
    // m^ = 0.0235/0.19 = 0.123684, v^ = 0.00032275/0.0199 = 0.016219 (sqrt 0.127354): w = 0.8075 - 0.1*0.97118 = 0.71038.
    // b: m = -0.018 + 0.02 = 0.002, v = 0.000396 + 0.0004 = 0.000796; m^ = 0.010526, sqrt(v^) = 0.2: b = -1.9 - 0.0052632 = -1.90526.
    const g2: RefParams = { [W]: Float64Array.of(0.1), [Bn]: Float64Array.of(0.2) };
    expect(refAdamWStep(p, g2, m, v, 2, h)).toBeCloseTo(Math.sqrt(0.05), 15);
    expect(p[W]![0]).toBeCloseTo(0.7103802150415218, 13);
    expect(p[Bn]![0]).toBeCloseTo(-1.9052632626050323, 13);
    expect(Math.abs(p[W]![0]! - 0.71038)).toBeLessThan(1e-5);
    expect(Math.abs(p[Bn]![0]! + 1.90526)).toBeLessThan(1e-5);
  });

  it('does not clip when maxGradNorm is 0, and rejects step 0', () => {
    const h: RefAdamW = { lr: 1, beta1: 0.9, beta2: 0.999, eps: 0, weightDecay: 0, maxGradNorm: 0 };
    const mk = () => ({ a: Float64Array.of(0) });
    const p = mk();
    // Step 2 from nonzero moments: the result depends on the gradient's scale, so clipping would show.
    const m = { a: Float64Array.of(1) };
    const v = { a: Float64Array.of(1) };
    refAdamWStep(p, { a: Float64Array.of(100) }, m, v, 2, h);
    const mm = 0.9 + 0.1 * 100;
    const vv = 0.999 + 0.001 * 1e4;
    expect(p.a[0]).toBeCloseTo(-(mm / (1 - 0.81)) / Math.sqrt(vv / (1 - 0.999 ** 2)), 12);
    expect(() => refAdamWStep(mk(), mk(), mk(), mk(), 0, h)).toThrow(/1-based/);
  });
});
