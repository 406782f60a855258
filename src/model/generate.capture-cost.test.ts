/**
 * Decode tokens/s with attention capture on and off (the explorer's cost). A measurement, not a
 * check: runs only with BENCH_DECODE=1, e.g.
 *   BENCH_DECODE=1 npx vitest run src/model/generate.capture-cost.test.ts
 * Random weights; the cache is filled to `pos` first, then each timed step feeds one token there.
 */
import { describe, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import type { GPTConfig } from './config';
import { Decoder } from './generate';
import { GPT } from './gpt';
import { initParams } from './params';

const CASES: { name: string; config: GPTConfig; pos: number; tokens: number }[] = [
  { name: 'shipped (4L 4H 128C, V 65)', config: { n_layer: 4, n_head: 4, n_embd: 128, block_size: 128, vocab_size: 65 }, pos: 127, tokens: 40 },
  { name: 'GPT-2 small at 1024', config: { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 }, pos: 1023, tokens: Number(process.env.BENCH_GPT2_TOKENS ?? 4) },
];

describe.runIf(process.env.BENCH_DECODE)('decode capture cost', () => {
  for (const c of CASES) {
    it(c.name, { timeout: 1_800_000 }, async () => {
      const device = await testDevice();
      const model = new GPT(device, c.config);
      model.setWeights(initParams(c.config, model.layout, 1));
      const decoder = new Decoder(model);
      for (let p = 0; p < c.pos; p++) await decoder.step(p % c.config.vocab_size, p, {});
      const time = async (capture: boolean) => {
        await decoder.step(1, c.pos, { logits: true, capture }); // warm-up
        const t0 = performance.now();
        for (let i = 0; i < c.tokens; i++) await decoder.step(i % c.config.vocab_size, c.pos, { logits: true, capture });
        return (1000 * c.tokens) / (performance.now() - t0);
      };
      const off = await time(false);
      const on = await time(true);
      const off2 = await time(false); // again, to see the noise
      console.log(`${c.name}: capture off ${off.toFixed(1)} / ${off2.toFixed(1)} tok/s, on ${on.toFixed(1)} tok/s (cost ${(100 * (1 - on / Math.max(off, off2))).toFixed(1)}%)`);
      decoder.destroy();
      model.destroy();
    });
  }
});
