/**
 * Whole-model check: a tiny seeded GPT on the GPU against the float64 reference model
 * (src/reference/gpt.ts): the loss, every parameter's gradient (also with dropout), and the weights
 * after AdamW; and the recorded program of a pass without dropout is the one of a pass with p = 0.
 */
import { describe, expect, it } from 'vitest';
import { readFloats, writeArray } from '../gpu/buffers';
import { refAdamWStep, refBackward, refForward, type RefDropout, type RefParams } from '../reference/gpt';
import { assertClose } from '../../test/kernel-case';
import { testDevice } from '../../test/gpu';
import { Rng, randomInts } from '../../test/random';
import type { GPTConfig } from './config';
import { GPT } from './gpt';
import { submitOps, type Op } from './ops';
import { initParams, type ParamLayout } from './params';
import { Trainer } from './trainer';
import { packTokenBuckets } from '../kernels/encoder';

const B = 3;
const T = 9;

/**
 * The two setups: a whole wte, and a wte split into 64-row chunks (a 4 KiB binding limit), the
 * path GPT-2 small takes on adapters that bind at most 128 MiB: rows [0,64), [64,128), [128,150).
 */
const SETUPS: { name: string; config: GPTConfig; maxBindingBytes?: number; chunks: number }[] = [
  { name: 'whole wte', config: { n_layer: 2, n_head: 2, n_embd: 16, block_size: 9, vocab_size: 13 }, chunks: 1 },
  { name: 'wte split in 3 chunks', config: { n_layer: 2, n_head: 2, n_embd: 16, block_size: 9, vocab_size: 150 }, maxBindingBytes: 64 * 16 * 4, chunks: 3 },
];

function toRef(layout: ParamLayout, flat: Float32Array): RefParams {
  const p: RefParams = {};
  for (const t of layout.tensors) p[t.name] = Float64Array.from(flat.subarray(t.offset, t.offset + t.size));
  return p;
}

/** Larger-than-GPT-2 init so that every path carries signal (with std 0.02 the gradients are tiny). */
function weights(config: GPTConfig, layout: ParamLayout, seed: number): Float32Array {
  const w = initParams(config, layout, seed);
  const rng = new Rng(seed);
  for (const t of layout.tensors) for (let i = 0; i < t.size; i++) w[t.offset + i] = t.name.endsWith('ln_1.weight') || t.name.endsWith('ln_2.weight') || t.name === 'ln_f.weight' ? 1 + 0.3 * rng.normal() : 0.3 * rng.normal();
  return w;
}

/**
 * One training forward + backward of a seeded batch on the GPU and on the float64 reference (with
 * the same dropout masks when `dropout` is given); the loss and every parameter gradient compared.
 */
async function checkGradients(config: GPTConfig, maxBindingBytes: number | undefined, chunks: number, dropout?: RefDropout): Promise<void> {
  const device = await testDevice();
  const model = new GPT(device, config, { training: true, maxBindingBytes });
  expect(model.wteChunks).toHaveLength(chunks);
  const w = weights(config, model.layout, 7);
  model.setWeights(w);
  const rng = new Rng(3);
  const x = randomInts(rng, B * T, config.vocab_size);
  const y = randomInts(rng, B * T, config.vocab_size);
  // Repeat a token many times so the embedding backward's buckets are exercised; use the last one.
  for (let i = 0; i < B * T; i += 3) x[i] = 5;
  x[1] = config.vocab_size - 1;
  const acts = model.allocActivations(B, T, true);
  writeArray(device, acts.tokens, 0, x);
  writeArray(device, acts.targets, 0, y);
  writeArray(device, acts.buckets, 0, packTokenBuckets(x));
  writeArray(device, acts.seed!, 0, Uint32Array.of(dropout?.seed ?? 0));
  const opts = { dropout: dropout?.p ?? 0 };
  submitOps(device, [...model.recordForward(acts, 'train', opts), ...model.recordBackward(acts, opts)]);
  const loss = (await readFloats(device, acts.loss, 0, 1))[0]!;
  const grads = await readFloats(device, model.grads!);

  const p = toRef(model.layout, w);
  const fwd = refForward(config, p, x, B, T, y, dropout);
  expect(Math.abs(loss - fwd.loss!)).toBeLessThan(1e-4 * Math.abs(fwd.loss!));
  if (dropout) expect(Math.abs(fwd.loss! - refForward(config, p, x, B, T, y).loss!)).toBeGreaterThan(1e-3); // the masks matter
  const g = refBackward(config, p, fwd, x, y, B, T);
  for (const t of model.layout.tensors) {
    const ref = g[t.name]!;
    let maxAbs = 0;
    for (const v of ref) maxAbs = Math.max(maxAbs, Math.abs(v));
    // float32 GPU vs float64 reference: absolute error relative to the tensor's largest gradient.
    assertClose(`d ${t.name}`, grads.subarray(t.offset, t.offset + t.size), ref, { atol: 2e-4 * maxAbs + 1e-7, rtol: 2e-3 });
  }
  model.destroyActivations(acts);
  model.destroy();
}

for (const { name, config, maxBindingBytes, chunks } of SETUPS) describe(`GPT on the GPU matches the float64 reference model (${name})`, () => {
  it('loss and every parameter gradient', async () => {
    await checkGradients(config, maxBindingBytes, chunks);
  });

  it('loss and every parameter gradient with dropout p = 0.1 (the same masks)', async () => {
    await checkGradients(config, maxBindingBytes, chunks, { p: 0.1, seed: 0x5eed });
  });

  it('weights after one AdamW step (with weight decay groups and clipping)', async () => {
    const device = await testDevice();
    const model = new GPT(device, config, { training: true, maxBindingBytes });
    const w = weights(config, model.layout, 11);
    model.setWeights(w);
    const rng = new Rng(5);
    const data = randomInts(rng, 400, config.vocab_size);
    const opts = { batch: B, seqLen: T, steps: 10, lr: 1e-2, minLr: 1e-3, warmup: 0, weightDecay: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-3, gradClip: 0.5, evalIters: 1, seed: 42 };
    // eps 1e-3 (not 1e-8): Adam's first step is lr·g/(|g|+eps), a sign function for tiny g, where
    // float32 rounding of a near-zero gradient would flip a whole lr step. A larger eps keeps it smooth.
    const trainer = new Trainer(model, data, data, opts);
    // Replay the trainer's first batch on the reference (same sampler seed).
    const { BatchSampler } = await import('./data');
    const { x, y } = new BatchSampler(data, B, T, opts.seed).next();
    const r = await trainer.trainStep();
    const after = await readFloats(device, model.params);

    const p = toRef(model.layout, w);
    const fwd = refForward(config, p, x, B, T, y);
    expect(Math.abs(r.loss - fwd.loss!)).toBeLessThan(1e-4 * fwd.loss!);
    const g = refBackward(config, p, fwd, x, y, B, T);
    const zeros = (): RefParams => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, new Float64Array(v.length)]));
    const norm = refAdamWStep(p, g, zeros(), zeros(), 1, { lr: trainer.lrAt(0), beta1: 0.9, beta2: 0.99, eps: 1e-3, weightDecay: 0.1, maxGradNorm: 0.5 });
    expect(norm).toBeGreaterThan(0.5); // clipping is active in this case
    expect(Math.abs(r.gradNorm - norm)).toBeLessThan(1e-3 * norm);
    for (const t of model.layout.tensors) {
      assertClose(`${t.name} after AdamW`, after.subarray(t.offset, t.offset + t.size), p[t.name]!, { atol: 2e-5, rtol: 1e-4 });
    }
    trainer.destroy();
    model.destroy();
  });
});

describe('dropout in the recorded program', () => {
  it('p = 0 and evaluation record exactly the program without dropout; p > 0 adds the mask dispatches', async () => {
    const device = await testDevice();
    const config = SETUPS[0]!.config;
    const model = new GPT(device, config, { training: true });
    const acts = model.allocActivations(B, T, true);
    // A dispatch is its label and its (cached) pipeline; clears and copies their kind.
    const shape = (ops: Op[]) => ops.map((op) => ('pipeline' in op ? [op.label, op.pipeline] : Object.keys(op)[0]));
    const plain = [...model.recordForward(acts, 'train'), ...model.recordBackward(acts)];
    expect(shape([...model.recordForward(acts, 'train', { dropout: 0 }), ...model.recordBackward(acts, { dropout: 0 })])).toEqual(shape(plain));
    expect(shape(model.recordForward(acts, 'eval', { dropout: 0.5 }))).toEqual(shape(model.recordForward(acts, 'eval')));
    const dropped = [...model.recordForward(acts, 'train', { dropout: 0.1 }), ...model.recordBackward(acts, { dropout: 0.1 })];
    // Forward: + the embedding's dropout (the residual adds become fused dropout + add). Backward: + one mask per site but attention's.
    const L = config.n_layer;
    expect(dropped.length).toBe(plain.length + 1 + (1 + 2 * L));
    expect(dropped.filter((op) => 'label' in op && op.label.includes('dropout')).length).toBe(1 + 2 * L + 1 + 2 * L + 3 * L);
    expect(() => model.recordForward(acts, 'train', { dropout: 1 })).toThrow(/\[0, 1\)/);
    model.destroyActivations(acts);
    model.destroy();
  });
});
