/**
 * The "How it works" trace against one decode step, on the Node WebGPU adapter, side by side in one
 * run. `npm run bench:trace [-- --json]`; BENCH_TRACE_REPEATS sets the timed repeats (default 3;
 * the GPT-2 small cases take about a minute on lavapipe).
 *
 * Random weights (seeded). For each position p, three timings, each the median of its repeats:
 * - decode: one f32 decode step at p with the logits read back (what generation pays a token);
 * - trace, cache held: traceGpu when the decoder's KV cache already holds tokens 0..p-1 (the Write
 *   tab's text, or an earlier trace of it): one tapped decode step and its one read-back;
 * - trace, cold cache: traceGpu after the cache was made to hold other tokens, so rows 0..p-1 are
 *   filled first (a batched prefill beyond a few rows, src/model/prefill.ts).
 * Decode and held-cache traces alternate one at a time, so a loaded machine's noise falls on both
 * alike (see bench/decode-capture.ts). `readback` is the trace's one copy to the CPU.
 */
import { Decoder } from '../src/model/generate';
import { GPT } from '../src/model/gpt';
import type { GPTConfig } from '../src/model/config';
import { initParams } from '../src/model/params';
import { traceLayout } from '../src/model/token-trace';
import { traceGpu } from '../src/model/trace';
import { tuneKernelsNode } from '../src/node/tuning';
import { createNodeContext } from '../src/node/webgpu';
import { log, median } from './harness';
import { writeStdout } from './stdout';

const CASES: { name: string; config: GPTConfig; positions: number[] }[] = [
  { name: 'shipped shape (4L 4H 128C, V 65)', config: { n_layer: 4, n_head: 4, n_embd: 128, block_size: 128, vocab_size: 65 }, positions: [0, 63, 127] },
  { name: 'GPT-2 small (12L 12H 768C, V 50257)', config: { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 }, positions: [0, 63, 255] },
];
const REPEATS = Number(process.env.BENCH_TRACE_REPEATS ?? 3);

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const { device, adapterInfo } = await createNodeContext();
  const tuning = await tuneKernelsNode(device, { adapter: adapterInfo, log });
  log(`matmul choice (${tuning.source}): ${JSON.stringify(tuning.choice)}`);
  const results = [];
  for (const c of CASES) {
    const V = c.config.vocab_size;
    const model = new GPT(device, c.config);
    model.setWeights(initParams(c.config, model.layout, 1));
    const decoder = new Decoder(model);
    const tokens = Array.from({ length: c.config.block_size }, (_, i) => (i * 7919 + 13) % V);
    // Warm-up: pipelines of the step, the tapped step and the prefill.
    await decoder.step(tokens[0]!, 0);
    await traceGpu(decoder, tokens.slice(0, 9));
    for (const p of c.positions) {
      const seq = tokens.slice(0, p + 1);
      const ms = { decode: [] as number[], held: [] as number[], cold: [] as number[] };
      for (let r = 0; r < REPEATS; r++) {
        decoder.fill(seq.slice(0, p)); // the cache holds the text before p (no time counted)
        ms.decode.push(await timed(() => decoder.step(seq[p]!, p, { logits: true })));
        ms.held.push(await timed(() => traceGpu(decoder, seq)));
      }
      for (let r = 0; r < REPEATS; r++) {
        await decoder.step((tokens[0]! + 1) % V, 0, {}); // other tokens: every row is to be filled again
        ms.cold.push(await timed(() => traceGpu(decoder, seq)));
      }
      const row = {
        case: c.name,
        position: p,
        decode_ms: round(median(ms.decode)),
        trace_held_ms: round(median(ms.held)),
        trace_cold_ms: round(median(ms.cold)),
        held_over_decode: round(median(ms.held) / median(ms.decode), 2),
        readback_mb: round((traceLayout(c.config, p + 1).total * 4) / 2 ** 20, 2),
        repeats: REPEATS,
      };
      results.push(row);
      log(`${c.name}, position ${p}: decode step ${row.decode_ms} ms | trace, cache held ${row.trace_held_ms} ms (${row.held_over_decode}x) | trace, cold cache ${row.trace_cold_ms} ms | read-back ${row.readback_mb} MB`);
    }
    decoder.destroy();
    model.destroy();
  }
  if (json) await writeStdout(JSON.stringify({ adapter: adapterInfo, matmul: tuning.choice, results }, null, 2));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
