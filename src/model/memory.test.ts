import { describe, expect, it } from 'vitest';
import { gpuBytesInUse } from '../gpu/buffers';
import { testDevice } from '../../test/gpu';
import { TINY_SHAKESPEARE_CONFIG, type GPTConfig } from './config';
import { GPT } from './gpt';
import { Weights16 } from './f16';
import { estimateBuffers, estimateBytes, generationWeightBytes } from './memory';
import { initParams, paramLayout } from './params';

// What the estimate lets through and refuses is specified with validateConfig in config.test.ts.
describe('memory estimate', () => {
  it('estimates the parameter-sized buffers from the padded layout', () => {
    const est = estimateBuffers(TINY_SHAKESPEARE_CONFIG, 8);
    const total = paramLayout(TINY_SHAKESPEARE_CONFIG).totalFloats * 4;
    expect(est[0]).toMatchObject({ name: 'parameters', bytes: total, count: 1 });
    expect(est.find((b) => b.name.includes('logits'))?.bytes).toBe(8 * 64 * 65 * 4);
  });

  // Awkward sizes: one layer of width 3 and a 1-token vocabulary, odd widths and lengths, a batch of 1.
  const cases: { config: GPTConfig; B: number; T: number }[] = [
    { config: { n_layer: 1, n_head: 1, n_embd: 3, block_size: 1, vocab_size: 1 }, B: 1, T: 1 },
    { config: { n_layer: 3, n_head: 3, n_embd: 63, block_size: 17, vocab_size: 65 }, B: 3, T: 17 },
    { config: { n_layer: 2, n_head: 5, n_embd: 65, block_size: 127, vocab_size: 127 }, B: 17, T: 63 },
    { config: TINY_SHAKESPEARE_CONFIG, B: 12, T: 64 },
  ];
  for (const { config, B, T } of cases) {
    for (const training of [true, false]) {
      it(`equals the bytes GPT allocates (L=${config.n_layer} C=${config.n_embd} V=${config.vocab_size}, B=${B} T=${T}, ${training ? 'training' : 'inference'})`, async () => {
        const device = await testDevice();
        const before = gpuBytesInUse(device);
        const model = new GPT(device, config, { training });
        const acts = model.allocActivations(B, T, training);
        const allocated = gpuBytesInUse(device) - before;
        model.destroyActivations(acts);
        model.destroy();
        expect(gpuBytesInUse(device)).toBe(before);
        const est = estimateBytes(config, B, T, training);
        expect(allocated).toBe(est.total);
        expect(est.total).toBe(est.weights + est.gradients + est.adam + est.backup + est.activations);
        if (training) expect([est.gradients, est.adam, est.backup]).toEqual([est.weights, 2 * est.weights, est.weights]);
        else expect(est.gradients + est.adam + est.backup).toBe(0);
      });
    }
  }

  // A model loaded for generation only (the page's, the CLI's generate): f32 parameters, or only the
  // f32 vectors and the 16-bit copy of the matrices (no f32 matrices on the GPU).
  for (const { config } of cases) {
    it(`equals the weight bytes a generation-only model holds, 32- and 16-bit (L=${config.n_layer} C=${config.n_embd} V=${config.vocab_size})`, async () => {
      const device = await testDevice();
      const host = initParams(config, paramLayout(config), 1);
      const held = (build: () => { destroy(): void }[]) => {
        const before = gpuBytesInUse(device);
        const made = build();
        const bytes = gpuBytesInUse(device) - before;
        for (const m of made.reverse()) m.destroy();
        expect(gpuBytesInUse(device)).toBe(before);
        return bytes;
      };
      const f32 = held(() => [new GPT(device, config)]);
      const f16 = held(() => {
        const model = new GPT(device, config, { params: 'vectors' });
        return [model, new Weights16(model, 'f16packed', host)];
      });
      expect(f32).toBe(generationWeightBytes(config, '32-bit'));
      expect(f16).toBe(generationWeightBytes(config, '16-bit'));
      if (config.n_embd >= 64) expect(f16).toBeLessThan(0.6 * f32);
    });
  }

  it("GPT-2 small's generation weights: 16-bit about half of 32-bit", () => {
    const gpt2: GPTConfig = { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 };
    const [f32, f16] = [generationWeightBytes(gpt2, '32-bit'), generationWeightBytes(gpt2, '16-bit')];
    expect(f32).toBe(paramLayout(gpt2).totalFloats * 4);
    expect(f16 / f32).toBeGreaterThan(0.5);
    expect(f16 / f32).toBeLessThan(0.51);
  });
});
