/**
 * Decode tokens/s with attention capture on and off (the attention explorer's cost), on the Node
 * WebGPU adapter. `npm run bench:decode [-- --json]`; BENCH_GPT2_TOKENS sets the timed steps of the
 * GPT-2-sized case (default 4: it runs about 2 tokens/s on lavapipe).
 * Random weights; the cache is filled to `pos` first, then each timed step feeds one token there.
 */
import { Decoder } from '../src/model/generate';
import { GPT } from '../src/model/gpt';
import type { GPTConfig } from '../src/model/config';
import { initParams } from '../src/model/params';
import { createNodeContext } from '../src/node/webgpu';

const CASES: { name: string; config: GPTConfig; pos: number; tokens: number }[] = [
  { name: 'shipped shape (4L 4H 128C, V 65) at position 127', config: { n_layer: 4, n_head: 4, n_embd: 128, block_size: 128, vocab_size: 65 }, pos: 127, tokens: 40 },
  { name: 'GPT-2 small at position 1023', config: { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 }, pos: 1023, tokens: Number(process.env.BENCH_GPT2_TOKENS ?? 4) },
];

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const { device, adapterInfo } = await createNodeContext();
  const results = [];
  for (const c of CASES) {
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
    // off, on, off again: the two offs show the noise between runs
    const off = await time(false);
    const on = await time(true);
    const off2 = await time(false);
    const cost = 1 - on / Math.max(off, off2);
    results.push({ case: c.name, off_tok_s: [off, off2].map((x) => Math.round(x * 10) / 10), on_tok_s: Math.round(on * 10) / 10, cost_pct: Math.round(cost * 1000) / 10 });
    if (!json) process.stderr.write(`${c.name}: capture off ${off.toFixed(1)} / ${off2.toFixed(1)} tok/s, on ${on.toFixed(1)} tok/s (cost ${(100 * cost).toFixed(1)}%)\n`);
    decoder.destroy();
    model.destroy();
  }
  if (json) process.stdout.write(`${JSON.stringify({ adapter: adapterInfo, results }, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
