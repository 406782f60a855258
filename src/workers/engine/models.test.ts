/**
 * The worker's loaded model on the GPU (the page path): with the 16-bit choice it keeps its matrices
 * only in 16 bits (f32 vectors + the decoder's 16-bit copy), and widens to f32 only for the 32-bit
 * choice; the trace reads what generation reads (its decoder, or while a generation runs, a second
 * decoder on the same weights). GPU bytes from gpuBytesInUse, against the memory estimate (memory.ts); and
 * a replaced model leaves nothing behind (issue 23, memory over time).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/gpu';
import { assertClose } from '../../../test/kernel-case';
import { gpuBytesInUse } from '../../gpu/buffers';
import { setKernelChoice } from '../../kernels/choice';
import { CONFIG_FILE, decodeCheckpoint, MODEL_FILE, TOKENIZER_FILE, type Checkpoint } from '../../model/checkpoint';
import type { GPTConfig } from '../../model/config';
import { Decoder } from '../../model/generate';
import { generationWeightBytes } from '../../model/memory';
import { initParams, paramLayout } from '../../model/params';
import { CharTokenizer } from '../../model/tokenizer';
import { runTrace } from './trace';
import { allocationChecked, current, install, traceDecoder, useWeights, weightsDefault, weightsOf } from './models';

const dir = 'public/weights/shakespeare-char';
/** Within 1 KiB: the recorded dispatches' uniform buffers (f32 matmul against matvec16 parameters) and a kernel's per-device placeholder differ by a few bytes; the weights are exact (memory.test.ts). */
const near = (a: number, b: number) => expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThan(1024);

const shipped = () => decodeCheckpoint(new Map([MODEL_FILE, CONFIG_FILE, TOKENIZER_FILE].map((f) => [f, new Uint8Array(readFileSync(`${dir}/${f}`))])));

/** The greedy next token after `ids` (one decode step per position from a fresh cache). */
async function greedy(decoder: Decoder, ids: number[]): Promise<number> {
  let logits: Float32Array | undefined;
  for (let i = 0; i < ids.length; i++) logits = (await decoder.step(ids[i]!, i, { logits: true })).logits;
  return logits!.indexOf(Math.max(...logits!));
}

describe('the loaded model on the GPU (worker)', () => {
  it('with 16-bit weights keeps no f32 matrices, the trace included; 32-bit widens them from the host weights', async () => {
    const c = await testContext();
    const device = c.device;
    setKernelChoice(device, {}); // no tuner pick: 16-bit by default
    expect(weightsDefault(device)).toEqual({ default: 'f16', tuned: false });
    const ck = shipped();
    const base = gpuBytesInUse(device);
    install(ck, 'shipped', c);
    await allocationChecked();
    let l = current();
    expect(l.model!.paramsBase).toBe(paramLayout(ck.config).decayFloats); // only the vectors in f32
    expect((l.decoder as Decoder).weights).toMatch(/^f16/);
    expect(weightsOf(l)).toBe('f16');
    const held16 = gpuBytesInUse(device) - base;
    const prompt = ck.tokenizer.encode('ROMEO:\n');
    const next16 = await greedy(l.decoder as Decoder, prompt);

    // The trace runs on the generating decoder, 16-bit: nothing widened. Its capture (two buffers
    // laid out for the longest position) is all it adds, kept with the decoder for the next trace.
    const t = await runTrace(l, { ids: prompt });
    expect(t.weights).toBe('f16');
    expect(t.ids).toEqual(prompt);
    expect(traceDecoder(l, false)).toBe(l.decoder);
    const capture = gpuBytesInUse(device) - base - held16;
    expect(capture).toBeGreaterThan(0);
    expect(capture).toBeLessThan(generationWeightBytes(ck.config, '16-bit'));
    await runTrace(l, { ids: prompt, position: 2 });
    expect(gpuBytesInUse(device) - base - held16).toBe(capture);
    // While a generation uses the decoder: a second decoder with its own cache, the 16-bit copy lent.
    const during = traceDecoder(l, true);
    expect(during).not.toBe(l.decoder);
    expect(during.weights16).toBe((l.decoder as Decoder).weights16);
    const t2 = await runTrace(l, { ids: prompt }, true);
    // The same weights; its cache filled by the batched prefill, not by steps: within f32 summation order.
    assertClose('the trace during a generation vs the one before', t2.logits, t.logits, { atol: 1e-5, rtol: 1e-5 });
    expect(gpuBytesInUse(device) - base - held16, 'no second 16-bit copy').toBeLessThan(2 * capture + generationWeightBytes(ck.config, '16-bit') / 2);

    // 32-bit: rebuilt from the host weights; the trace's decoder goes with the 16-bit copy it borrowed.
    l = await useWeights('f32');
    expect(l.traceDecoder).toBeUndefined();
    expect(weightsOf(l)).toBe('f32');
    expect(await greedy(l.decoder as Decoder, prompt)).toBe(next16); // f16 rounding does not move this argmax (f16.test.ts: 256/256)
    expect((await runTrace(l, { ids: prompt })).weights).toBe('f32');

    l = await useWeights('f16');
    expect(l.model!.paramsBase).toBeGreaterThan(0);

    // A new model is built for the last choice; the old one's buffers (trace's included) go.
    install(ck, 'again', c);
    await allocationChecked();
    near(gpuBytesInUse(device) - base, held16);
    l = await useWeights('f32');
    const held32 = gpuBytesInUse(device) - base;
    // The two differ by the weights alone, as the memory estimate says (the decoder's buffers are the same).
    near(held32 - held16, generationWeightBytes(ck.config, '32-bit') - generationWeightBytes(ck.config, '16-bit'));
    l = await useWeights('f16');
    near(gpuBytesInUse(device) - base, held16);
  });

  it('a model whose weights have no half (|w| >= 65520) generates from f32 even with the 16-bit choice', async () => {
    const c = await testContext();
    const ck = shipped();
    const params = ck.params.slice();
    params[0] = 1e6;
    install({ ...ck, params }, 'diverged', c);
    await allocationChecked();
    const l = await useWeights('f16');
    expect(weightsOf(l)).toBe('f32');
    expect(l.model!.paramsBase).toBe(0);
  });

  it("takes the tuner's pick as the default: 32-bit where it decoded faster", async () => {
    const c = await testContext();
    try {
      setKernelChoice(c.device, { weights: 'f32' });
      expect(weightsDefault(c.device)).toEqual({ default: 'f32', tuned: true });
      setKernelChoice(c.device, { weights: 'f16packed' });
      expect(weightsDefault(c.device)).toEqual({ default: 'f16', tuned: true });
    } finally {
      setKernelChoice(c.device, {});
    }
  });

  it("GPT-2 small's shape: GPU bytes held in the page path, 32-bit against 16-bit", async () => {
    const c = await testContext();
    const config: GPTConfig = { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 };
    const ck: Checkpoint = { ...shipped(), config, params: new Float32Array(paramLayout(config).totalFloats).fill(0.02) };
    const base = gpuBytesInUse(c.device);
    await useWeights('f16'); // the last choice: the next model is built for it
    install(ck, 'gpt2-shape', c);
    await allocationChecked();
    const held16 = gpuBytesInUse(c.device) - base;
    await useWeights('f32');
    const held32 = gpuBytesInUse(c.device) - base;
    const MB = 2 ** 20;
    console.log(`GPT-2 small shape, page path: 32-bit ${(held32 / MB).toFixed(1)} MiB, 16-bit ${(held16 / MB).toFixed(1)} MiB held on the GPU (weights ${(generationWeightBytes(config, '32-bit') / MB).toFixed(1)} / ${(generationWeightBytes(config, '16-bit') / MB).toFixed(1)} MiB)`);
    near(held32 - held16, generationWeightBytes(config, '32-bit') - generationWeightBytes(config, '16-bit'));
    expect(held16 / held32).toBeLessThan(0.6);
    install(shipped(), 'small again', c); // frees the large one
    await allocationChecked();
  }, 240_000);
});

/** A small char-level checkpoint of its own shape (vocabulary from `text`). */
function tinyCheckpoint(text: string, n_layer: number, n_embd: number, seed: number): Checkpoint {
  const tokenizer = CharTokenizer.fromCorpus(text);
  const config: GPTConfig = { n_layer, n_head: 2, n_embd, block_size: 16, vocab_size: tokenizer.vocabSize };
  return { config, tokenizer, params: initParams(config, paramLayout(config), seed) };
}

/**
 * Memory over time (issue 23; e2e/soak.spec.ts checks the same in the page, over many switches,
 * trainings and generations): installing a model frees every buffer of the one it replaces,
 * whatever that one had made: a decoder of the other weight kind, the trace's decoder and captures.
 */
describe('replacing the loaded model', () => {
  it("frees the replaced model's buffers: its GPT, its decoders of both kinds, the trace's decoder and captures", async () => {
    const c = await testContext();
    const a = tinyCheckpoint('ROMEO: what light through yonder window', 2, 32, 1);
    const b = tinyCheckpoint('the quick brown fox', 1, 16, 2);
    const bytes = () => gpuBytesInUse(c.device);
    /** What generations with both weight kinds and the How-it-works trace leave with a model. */
    const useAll = async () => {
      await useWeights('f16');
      const before = bytes();
      await useWeights('f32');
      await runTrace(current(), { text: 'the' }, true);
      await useWeights('f16');
      await runTrace(current(), { text: 'the' });
      await runTrace(current(), { text: 'the' }, true);
      expect(bytes(), "the trace's captures and its second decoder stay with the model").toBeGreaterThan(before);
    };
    const load = async (ck: Checkpoint, name: string) => {
      install(ck, name, c);
      await allocationChecked();
      return bytes();
    };
    // Once through every path first: the kernels' per-device placeholders (a few bytes each, kept
    // with the device) exist from then on.
    await load(a, 'a');
    await useAll();
    await load(b, 'b');
    await useAll();

    const first = { a: await load(a, 'a'), b: 0 };
    await useAll();
    first.b = await load(b, 'b');
    expect(first.b).not.toBe(first.a);
    for (let round = 0; round < 3; round++) {
      await useAll();
      expect(await load(a, 'a'), `round ${round}: a again, b and all it made gone`).toBe(first.a);
      await useAll();
      expect(await load(b, 'b'), `round ${round}: b again, a and all it made gone`).toBe(first.b);
    }
  });
});
