/**
 * The worker frees every buffer of a model it replaces (issue 23, memory over time): after each
 * install the engine holds the new model's buffers and nothing of the one before, including that
 * model's 16-bit decoder and its trace decoder. e2e/soak.spec.ts checks the same in the page, over
 * many switches, trainings and generations.
 */
import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/gpu';
import { gpuBytesInUse } from '../../gpu/buffers';
import type { Checkpoint } from '../../model/checkpoint-reader';
import type { GPTConfig } from '../../model/config';
import { Decoder } from '../../model/generate';
import { GPT } from '../../model/gpt';
import { initParams, paramLayout } from '../../model/params';
import { CharTokenizer } from '../../model/tokenizer';
import { allocationChecked, current, install, traceDecoder, useWeights } from './models';

function checkpoint(text: string, n_layer: number, n_embd: number, seed: number): Checkpoint {
  const tokenizer = CharTokenizer.fromCorpus(text);
  const config: GPTConfig = { n_layer, n_head: 2, n_embd, block_size: 16, vocab_size: tokenizer.vocabSize };
  return { config, tokenizer, params: initParams(config, paramLayout(config), seed) };
}

/**
 * Makes and frees a model with decoders of both kinds: the kernels' per-device placeholders (a few
 * bytes each, made once per device and kept with it) exist from then on, outside what a model holds.
 */
function warmUp(device: GPUDevice, ck: Checkpoint): void {
  const model = new GPT(device, ck.config);
  model.setWeights(ck.params);
  for (const weights of ['f32', 'f16packed'] as const) new Decoder(model, { weights }).destroy();
  model.destroy();
}

/** Bytes a model and its f32 decoder hold on their own, measured apart (made, counted, destroyed). */
function ownBytes(device: GPUDevice, ck: Checkpoint): number {
  const start = gpuBytesInUse(device);
  const model = new GPT(device, ck.config);
  model.setWeights(ck.params);
  const decoder = new Decoder(model);
  const bytes = gpuBytesInUse(device) - start;
  decoder.destroy();
  model.destroy();
  expect(gpuBytesInUse(device)).toBe(start);
  return bytes;
}

describe('replacing the loaded model', () => {
  it("frees the replaced model's buffers: its GPT, its decoders of both kinds and its trace decoder", async () => {
    const c = await testContext();
    const a = checkpoint('ROMEO: what light through yonder window', 2, 32, 1);
    const b = checkpoint('the quick brown fox', 1, 16, 2);
    warmUp(c.device, a);
    const own = { a: ownBytes(c.device, a), b: ownBytes(c.device, b) };
    expect(own.a).not.toBe(own.b);
    const base = gpuBytesInUse(c.device);
    const held = () => gpuBytesInUse(c.device) - base;

    for (let round = 0; round < 3; round++) {
      install(a, 'a', c);
      await allocationChecked();
      expect(held(), `round ${round}: a installed`).toBe(own.a);
      // What a generation and the How-it-works view make with a model, all freed with it.
      useWeights('f16');
      traceDecoder(current(), true);
      expect(held()).toBeGreaterThan(own.a);

      install(b, 'b', c);
      await allocationChecked();
      expect(held(), `round ${round}: b installed, a gone`).toBe(own.b);
      useWeights('f16');
      useWeights('f32'); // the 16-bit decoder replaced: freed too
      expect(held()).toBe(own.b);
      traceDecoder(current(), true);
    }
    install(a, 'a', c);
    await allocationChecked();
    expect(held()).toBe(own.a);
  });
});
