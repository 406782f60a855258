import { describe, expect, it } from 'vitest';
import { SeededRandom } from './random';
import { sampleToken, softmaxProbs } from './sampling';

/** An rng that returns fixed values: drives the inverse-CDF draw to its extremes. */
class FixedRandom extends SeededRandom {
  constructor(private readonly value: number) {
    super(0);
  }
  override next(): number {
    return this.value;
  }
}

function randomLogits(rng: SeededRandom, n: number, scale = 3): Float64Array {
  const l = new Float64Array(n);
  for (let i = 0; i < n; i++) l[i] = (rng.next() * 2 - 1) * scale;
  return l;
}

function argmax(x: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[b]!) b = i;
  return b;
}

function counts(logits: ArrayLike<number>, opts: Parameters<typeof sampleToken>[1], draws: number, seed: number): number[] {
  const rng = new SeededRandom(seed);
  const c = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < draws; i++) c[sampleToken(logits, opts, rng)]!++;
  return c;
}

describe('softmaxProbs', () => {
  it('sums to 1, follows temperature, and is one-hot on the argmax at temperature 0', () => {
    const l = [1, 2, 3, 0.5];
    const p = softmaxProbs(l);
    expect(p.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    const z = l.reduce((s, x) => s + Math.exp(x), 0);
    for (let i = 0; i < l.length; i++) expect(p[i]).toBeCloseTo(Math.exp(l[i]!) / z, 14);
    const hot = softmaxProbs(l, 0.5);
    const z2 = l.reduce((s, x) => s + Math.exp(2 * x), 0);
    expect(hot[2]).toBeCloseTo(Math.exp(6) / z2, 14);
    expect(Array.from(softmaxProbs(l, 0))).toEqual([0, 0, 1, 0]);
  });

  it('stays finite for huge logits', () => {
    const p = softmaxProbs([1000, 999, -1000]);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
    expect(p[2]).toBe(0);
  });

  it('rejects NaN logits as divergence and a negative temperature as bad config', () => {
    expect(() => softmaxProbs([0, NaN])).toThrow(expect.objectContaining({ code: 'DIVERGED' }));
    expect(() => softmaxProbs([0, 1], -1)).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
  });
});

describe('sampleToken', () => {
  it('greedy (temperature 0) picks the argmax, the first one on ties', () => {
    const rng = new SeededRandom(1);
    for (let trial = 0; trial < 50; trial++) {
      const l = randomLogits(rng, 37);
      expect(sampleToken(l, { temperature: 0 }, rng)).toBe(argmax(l));
    }
    expect(sampleToken([1, 5, 5, 2], { temperature: 0 }, rng)).toBe(1);
  });

  it('topK = 1 equals greedy at any temperature', () => {
    const rng = new SeededRandom(2);
    for (let trial = 0; trial < 50; trial++) {
      const l = randomLogits(rng, 50);
      expect(sampleToken(l, { topK: 1, temperature: 1.7 }, rng)).toBe(argmax(l));
    }
  });

  it('same seed, same sequence of tokens', () => {
    const l = randomLogits(new SeededRandom(3), 100, 2);
    const opts = { temperature: 0.9, topK: 40, topP: 0.95 };
    const run = (seed: number) => {
      const r = new SeededRandom(seed);
      return Array.from({ length: 200 }, () => sampleToken(l, opts, r));
    };
    expect(run(11)).toEqual(run(11));
    expect(run(11)).not.toEqual(run(12));
  });

  it('consumes exactly one draw per call, greedy included', () => {
    const a = new SeededRandom(5);
    const b = new SeededRandom(5);
    sampleToken([0, 1, 2], { temperature: 0 }, a);
    sampleToken([0, 1, 2], { topK: 2, topP: 0.5 }, a);
    b.next();
    b.next();
    expect(a.state).toBe(b.state);
  });

  it('empirical frequencies match the probabilities (small vocab)', () => {
    const l = [Math.log(0.1), Math.log(0.2), Math.log(0.3), Math.log(0.4)];
    const n = 40000;
    const c = counts(l, {}, n, 123);
    // Binomial std <= sqrt(0.25 / n) = 0.0025: 0.01 is four standard deviations.
    [0.1, 0.2, 0.3, 0.4].forEach((p, i) => expect(Math.abs(c[i]! / n - p)).toBeLessThan(0.01));
    // Temperature 2 flattens: probabilities proportional to sqrt(p).
    const c2 = counts(l, { temperature: 2 }, n, 124);
    const s = [0.1, 0.2, 0.3, 0.4].map(Math.sqrt);
    const z = s.reduce((a, b) => a + b, 0);
    s.forEach((q, i) => expect(Math.abs(c2[i]! / n - q / z)).toBeLessThan(0.01));
  });

  it('top-k never picks a token outside the k most likely, and renormalises among them', () => {
    const l = [0.5, 3, -1, 2, 2.5, 0, 1];
    const n = 20000;
    const c = counts(l, { topK: 3 }, n, 9);
    // Top 3: ids 1 (3), 4 (2.5), 3 (2).
    for (const i of [0, 2, 5, 6]) expect(c[i]).toBe(0);
    const z = Math.exp(3) + Math.exp(2.5) + Math.exp(2);
    expect(Math.abs(c[1]! / n - Math.exp(3) / z)).toBeLessThan(0.015);
    expect(Math.abs(c[4]! / n - Math.exp(2.5) / z)).toBeLessThan(0.015);
    expect(Math.abs(c[3]! / n - Math.exp(2) / z)).toBeLessThan(0.015);
  });

  it('top-p keeps the smallest set reaching p, at least one token', () => {
    // Probabilities 0.05, 0.5, 0.15, 0.3 (sorted: ids 1, 3, 2, 0).
    const l = [0.05, 0.5, 0.15, 0.3].map(Math.log);
    const n = 20000;
    const c75 = counts(l, { topP: 0.75 }, n, 10); // 0.5 + 0.3 >= 0.75: ids 1, 3
    expect(c75[0]).toBe(0);
    expect(c75[2]).toBe(0);
    expect(Math.abs(c75[1]! / n - 0.5 / 0.8)).toBeLessThan(0.015);
    const c85 = counts(l, { topP: 0.85 }, n, 11); // needs 0.5 + 0.3 + 0.15: ids 1, 3, 2
    expect(c85[0]).toBe(0);
    expect(c85[2]! > 0).toBe(true);
    const tiny = counts(l, { topP: 0.01 }, 1000, 12); // always the single most likely token
    expect(tiny[1]).toBe(1000);
  });

  it('exact exclusion: extreme draws still land inside the kept set', () => {
    const l = [0.05, 0.5, 0.15, 0.3].map(Math.log);
    const hi = new FixedRandom(1 - 2 ** -32); // the largest value next() can return
    const lo = new FixedRandom(0);
    expect(sampleToken(l, { topP: 0.75 }, hi)).toBe(3);
    expect(sampleToken(l, { topP: 0.75 }, lo)).toBe(1);
    expect(sampleToken(l, { topK: 2 }, hi)).toBe(3);
    expect(sampleToken(l, { topK: 3, topP: 0.9 }, hi)).toBe(2);
    // Plain sampling with a zero-probability token last: the top draw must not return it.
    expect(sampleToken([0, 0, -Infinity], {}, hi)).toBe(1);
  });

  it('top-p applies to the top-k distribution, after temperature', () => {
    // Top-2 of (0.4, 0.35, 0.25) renormalises to (0.533, 0.467): topP 0.5 then keeps only id 0.
    const l = [0.4, 0.35, 0.25].map(Math.log);
    expect(counts(l, { topK: 2, topP: 0.5 }, 500, 13)).toEqual([500, 0, 0]);
    // Without top-k, 0.4 < 0.5 so two tokens survive.
    expect(counts(l, { topP: 0.5 }, 2000, 14)[1]! > 0).toBe(true);
  });

  it('rejects bad options', () => {
    const r = new SeededRandom(0);
    expect(() => sampleToken([0, 1], { topK: -1 }, r)).toThrow(/top-k/);
    expect(() => sampleToken([0, 1], { topK: 1.5 }, r)).toThrow(/top-k/);
    expect(() => sampleToken([0, 1], { topP: 0 }, r)).toThrow(/top-p/);
    expect(() => sampleToken([0, 1], { topP: 1.2 }, r)).toThrow(/top-p/);
    expect(() => sampleToken([], {}, r)).toThrow(/empty/);
  });
});
