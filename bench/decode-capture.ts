/**
 * Decode tokens/s with attention capture on and off (the attention explorer's cost), on the Node
 * WebGPU adapter. `npm run bench:decode [-- --json]`; BENCH_GPT2_TOKENS sets the timed steps of the
 * GPT-2-sized case per mode (default 4: it runs about 3 tokens/s on lavapipe; 0 skips the case).
 *
 * Random weights; the cache is filled to `pos` first, then each timed step feeds one token there.
 * Steps alternate off, on, off, on... and each mode keeps its median step time: a software adapter
 * shares the CPU with everything else, and alternating one token at a time lets that load fall on
 * both modes alike (blocks of tokens per mode differed by up to 45% between two runs of the same mode).
 */
import { Decoder, type StepRead } from '../src/model/generate';
import { GPT } from '../src/model/gpt';
import type { GPTConfig } from '../src/model/config';
import { initParams } from '../src/model/params';
import { tuneKernelsNode } from '../src/node/tuning';
import { createNodeContext } from '../src/node/webgpu';
import { log, median } from './harness';

const CASES: { name: string; config: GPTConfig; pos: number; tokens: number }[] = [
  { name: 'shipped shape (4L 4H 128C, V 65) at position 127', config: { n_layer: 4, n_head: 4, n_embd: 128, block_size: 128, vocab_size: 65 }, pos: 127, tokens: 200 },
  { name: 'GPT-2 small at position 1023', config: { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 }, pos: 1023, tokens: Number(process.env.BENCH_GPT2_TOKENS ?? 4) },
];

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const { device, adapterInfo } = await createNodeContext();
  // The matmul variants this adapter runs best, as the CLI and the page use them (tuned once, then read from the cache file).
  const tuning = await tuneKernelsNode(device, { adapter: adapterInfo, log });
  log(`matmul choice (${tuning.source}): ${JSON.stringify(tuning.choice)}`);
  const results = [];
  for (const c of CASES.filter((c) => c.tokens > 0)) {
    const model = new GPT(device, c.config);
    model.setWeights(initParams(c.config, model.layout, 1));
    const decoder = new Decoder(model);
    for (let p = 0; p < c.pos; p++) await decoder.step(p % c.config.vocab_size, p, {});
    const modes: Record<'off' | 'on', StepRead> = { off: { logits: true }, on: { logits: true, capture: true } };
    const ms: Record<'off' | 'on', number[]> = { off: [], on: [] };
    for (const read of Object.values(modes)) await decoder.step(1, c.pos, read); // warm-up: pipelines, staging
    for (let i = 0; i < c.tokens; i++) {
      for (const mode of ['off', 'on'] as const) {
        const t0 = performance.now();
        await decoder.step(i % c.config.vocab_size, c.pos, modes[mode]);
        ms[mode].push(performance.now() - t0);
      }
    }
    const off = 1000 / median(ms.off);
    const on = 1000 / median(ms.on);
    const cost = 1 - on / off;
    results.push({ case: c.name, tokens_per_mode: c.tokens, off_tok_s: round(off), on_tok_s: round(on), cost_pct: round(100 * cost) });
    process.stderr.write(`${c.name}: capture off ${off.toFixed(1)} tok/s, on ${on.toFixed(1)} tok/s (cost ${(100 * cost).toFixed(1)}%, median of ${c.tokens} alternating steps each)\n`);
    decoder.destroy();
    model.destroy();
  }
  if (json) process.stdout.write(`${JSON.stringify({ adapter: adapterInfo, matmul: tuning.choice, results }, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
