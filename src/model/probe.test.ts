/**
 * The probe's scores on the GPU (one evaluation forward + probe_scores, one read-back) against the
 * float64 reference model: softmax of refForward's logits at each probe position, p(true next
 * token) and the K most likely tokens; and the probe's mean −log p is the evaluation's loss when
 * the probe fills the batch.
 */
import { describe, expect, it } from 'vitest';
import { readFloats } from '../gpu/buffers';
import { refForward, type RefParams } from '../reference/gpt';
import { assertClose } from '../../test/kernel-case';
import { testDevice } from '../../test/gpu';
import { Rng, randomInts } from '../../test/random';
import type { GPTConfig } from './config';
import { GPT } from './gpt';
import { initParams, type ParamLayout } from './params';
import { probeLoss, ProbeScorer, PROBE_K } from './probe';
import { Trainer } from './trainer';

const B = 3;
const T = 9;

function toRef(layout: ParamLayout, flat: Float32Array): RefParams {
  const p: RefParams = {};
  for (const t of layout.tensors) p[t.name] = Float64Array.from(flat.subarray(t.offset, t.offset + t.size));
  return p;
}

/** Weights larger than GPT-2's init, so the distributions are far from uniform and the ranks distinct. */
function weights(config: GPTConfig, layout: ParamLayout, seed: number): Float32Array {
  const w = initParams(config, layout, seed);
  const rng = new Rng(seed);
  for (const t of layout.tensors) for (let i = 0; i < t.size; i++) w[t.offset + i] = t.name.includes('ln_') ? 1 + 0.3 * rng.normal() : 0.3 * rng.normal();
  return w;
}

/** Scores `tokens` on the GPU and compares every position with the reference; returns the scores and the pass's loss. */
async function check(config: GPTConfig, tokens: Uint32Array) {
  const device = await testDevice();
  const model = new GPT(device, config, { training: true });
  const w = weights(config, model.layout, 17);
  model.setWeights(w);
  const data = randomInts(new Rng(2), 200, config.vocab_size);
  const trainer = new Trainer(model, data, data, { batch: B, seqLen: T, steps: 1, lr: 0, minLr: 0, warmup: 0, weightDecay: 0, beta1: 0.9, beta2: 0.99, eps: 1e-8, gradClip: 0, evalIters: 1, seed: 1 });
  const scorer = new ProbeScorer(trainer, tokens);
  const V = config.vocab_size;
  const n = Math.min(tokens.length - 1, B * T);
  const K = Math.min(PROBE_K, V);
  expect(scorer.n).toBe(n);
  const got = await scorer.score();
  const passLoss = (await readFloats(device, trainer.activations.loss, 0, 1))[0]!;

  // The reference: the same (B, T) batch (rows after the probe are token 0), softmax per row in float64.
  const x = new Uint32Array(B * T);
  x.set(tokens.subarray(0, n));
  const { logits } = refForward(config, toRef(model.layout, w), x, B, T);
  const wantP = new Float64Array(n);
  const wantTop = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * V, (i + 1) * V);
    const max = Math.max(...row);
    let sum = 0;
    for (const l of row) sum += Math.exp(l - max);
    const prob = (id: number) => Math.exp(row[id]! - max) / sum;
    wantP[i] = prob(tokens[i + 1]!);
    const order = Array.from({ length: V }, (_, j) => j).sort((a, b) => row[b]! - row[a]! || a - b);
    for (let k = 0; k < K; k++) {
      wantTop[i * K + k] = prob(order[k]!);
      const id = got.topIds[i * K + k]!;
      // Ids must match the reference's rank, unless float32 rounding may swap two near-equal logits.
      if (id !== order[k] && Math.abs(row[id]! - row[order[k]!]!) > 1e-4) {
        throw new Error(`position ${i}, rank ${k}: GPU id ${id} (logit ${row[id]}), reference ${order[k]} (logit ${row[order[k]!]})`);
      }
    }
  }
  assertClose('p(true next token)', got.p, wantP, { atol: 1e-6, rtol: 1e-4 });
  assertClose('top-k probabilities', got.topProbs, wantTop, { atol: 1e-6, rtol: 1e-4 });
  scorer.destroy();
  trainer.destroy();
  model.destroy();
  return { got, passLoss, wantP };
}

describe('probe scores (GPU) match the float64 reference forward', () => {
  const config: GPTConfig = { n_layer: 2, n_head: 2, n_embd: 16, block_size: T, vocab_size: 67 };

  it('a probe shorter than the batch (19 positions over windows of 9, V = 67, top 10)', async () => {
    const tokens = randomInts(new Rng(5), 20, config.vocab_size);
    const { got } = await check(config, tokens);
    expect(got.k).toBe(10);
    // Not a uniform guess: the check would pass vacuously on a model that gives 1/V everywhere.
    expect(Math.max(...got.topProbs)).toBeGreaterThan(5 / config.vocab_size);
  });

  it('a probe that fills the batch: its mean −log p is the evaluation loss of that pass', async () => {
    const tokens = randomInts(new Rng(6), B * T + 1, config.vocab_size);
    const { got, passLoss, wantP } = await check(config, tokens);
    let refLoss = 0;
    for (const p of wantP) refLoss -= Math.log(p);
    refLoss /= wantP.length;
    expect(Math.abs(probeLoss(got) - refLoss), `probe loss ${probeLoss(got)} vs reference ${refLoss}`).toBeLessThan(1e-4 * refLoss);
    expect(Math.abs(probeLoss(got) - passLoss), `probe loss ${probeLoss(got)} vs the pass's cross-entropy ${passLoss}`).toBeLessThan(1e-4 * passLoss);
  });

  it('a longer probe is cut to one batch; a tiny vocabulary keeps K = V', async () => {
    const tiny: GPTConfig = { ...config, vocab_size: 3 };
    const tokens = randomInts(new Rng(7), 63, 3);
    const { got } = await check(tiny, tokens);
    expect(got.k).toBe(3);
    expect(got.p.length).toBe(B * T);
    // K = V: the top 3 are the whole distribution.
    for (let i = 0; i < got.p.length; i++) expect(Math.abs(got.topProbs[i * 3]! + got.topProbs[i * 3 + 1]! + got.topProbs[i * 3 + 2]! - 1)).toBeLessThan(1e-5);
  });
});
