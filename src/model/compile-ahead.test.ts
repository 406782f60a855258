/** Compiling a first generation's pipelines ahead: the real build then compiles nothing. */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { compileForGeneration } from './compile-ahead';
import { Decoder, generate } from './generate';
import { GPT } from './gpt';

// A shape no other test uses (HS = 12, V = 29), so that no pipeline of it is cached before.
const config = { n_layer: 2, n_head: 2, n_embd: 24, block_size: 16, vocab_size: 29 };

describe('compileForGeneration', () => {
  it("compiles every pipeline a model's first generation builds, so that the real build compiles none", async () => {
    const device = await testDevice();
    const report = await compileForGeneration(device, config, [{}, { weights: 'f16packed' }]);
    expect(report.pipelines.length).toBeGreaterThan(3);
    const labels = report.pipelines.map((p) => p.label);
    expect(labels.some((l) => l.startsWith('attention_decode'))).toBe(true);
    expect(labels.some((l) => l.startsWith('matvec16'))).toBe(true);
    for (const p of report.pipelines) expect(p.ms).toBeGreaterThanOrEqual(0);
    // The real model and generation: count the pipelines they create.
    const created: string[] = [];
    const create = device.createComputePipeline.bind(device);
    device.createComputePipeline = (d) => (created.push(d.label ?? ''), create(d));
    try {
      const model = new GPT(device, config);
      for (const weights of ['f32', 'f16packed'] as const) {
        const dec = new Decoder(model, { weights });
        const tokens: number[] = [];
        for await (const t of generate(dec, [1, 2, 3, 4, 5, 6, 7, 8], { maxNewTokens: 3, captureAttention: true })) tokens.push(t.token);
        expect(tokens).toHaveLength(3);
        dec.destroy();
      }
      model.destroy();
    } finally {
      device.createComputePipeline = create;
    }
    expect(created).toEqual([]);
    // Asked again, everything is cached.
    const again = await compileForGeneration(device, config, [{}, { weights: 'f16packed' }]);
    expect(again.pipelines).toEqual([]);
    expect(again.cached).toBe(report.pipelines.length);
  });
});
