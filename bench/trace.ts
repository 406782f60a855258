/**
 * The "How it works" trace against one decode step, on the Node WebGPU adapter, side by side in one
 * run. `npm run bench:trace [-- --json]`; BENCH_TRACE_REPEATS sets the timed repeats (default 3;
 * the GPT-2 small cases take about a minute on lavapipe).
 *
 * Random weights (seeded). For each weight kind the decoder reads (32-bit, and the 16-bit form the
 * tuner picked: what the page generates with by default) and each position p, these timings, each
 * the median of its repeats:
 * - decode: one decode step at p with the logits read back (what generation pays a token);
 * - trace, cache held: traceGpu when the decoder's KV cache already holds tokens 0..p-1 (the Write
 *   tab's text, or an earlier trace of it): one tapped decode step and its one read-back;
 * - trace, cold cache: traceGpu after the cache was made to hold other tokens, so rows 0..p-1 are
 *   filled first (beyond a few rows by a batched prefill on the decoder's own weights, 32- or
 *   16-bit, src/model/prefill.ts). Cold timings take BENCH_TRACE_COLD_REPEATS (default: as many as
 *   the others).
 * - prefill: the fill of rows 0..p-1 alone (what a cold trace pays on top of a held one);
 * - readback: a copy of the trace's size from a GPU buffer to a mapped one, alone. The issue's bar
 *   is a held trace within one decode step plus this read-back.
 * Decode, held-cache trace and read-back are timed together in each repeat, the decode first in one
 * repeat and the trace first in the next, so a loaded machine's noise and drift fall on both alike
 * (see bench/decode-capture.ts). The bar's ratio is taken per repeat, held / (decode + read-back),
 * and its median kept (held_over_decode_plus_readback, with the quartiles of the repeats' ratios:
 * a software adapter sharing two cores with the harness moves a step by ±20% from one repeat to
 * the next, more than the trace adds); held_over_decode_plus_readback_best is the same ratio of the
 * fastest of each (min), what each costs with the least interference. BENCH_TRACE_CASE (a
 * substring of a case's name) runs one case.
 */
import { decoderWeightsRun, type DecoderWeights } from '../src/model/f16';
import { Decoder } from '../src/model/generate';
import { GPT } from '../src/model/gpt';
import type { GPTConfig } from '../src/model/config';
import { initParams } from '../src/model/params';
import { traceLayout } from '../src/model/token-trace';
import { traceGpu } from '../src/model/trace';
import { createBuffer, createStorage, USAGE } from '../src/gpu/buffers';
import { tuneKernelsNode } from '../src/node/tuning';
import { createNodeContext } from '../src/node/webgpu';
import { log, median } from './harness';
import { writeStdout } from './stdout';

const CASES: { name: string; config: GPTConfig; positions: number[] }[] = [
  { name: 'shipped shape (4L 4H 128C, V 65)', config: { n_layer: 4, n_head: 4, n_embd: 128, block_size: 128, vocab_size: 65 }, positions: [0, 63, 127] },
  { name: 'GPT-2 small (12L 12H 768C, V 50257)', config: { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 }, positions: [0, 63, 255] },
];
const REPEATS = Number(process.env.BENCH_TRACE_REPEATS ?? 3);
const COLD_REPEATS = Number(process.env.BENCH_TRACE_COLD_REPEATS ?? REPEATS);

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** What the trace's read-back alone costs (ms): a GPU buffer of `bytes` copied to a staging buffer and mapped. */
async function readBack(device: GPUDevice, bytes: number): Promise<number> {
  const src = createStorage(device, 'bench.readback.src', bytes);
  const staging = createBuffer(device, { label: 'bench.readback.staging', size: bytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  await device.queue.onSubmittedWorkDone(); // the buffers' creation is not timed with the copy
  const t0 = performance.now();
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, staging, 0, bytes);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(1 /* GPUMapMode.READ */, 0, bytes);
  staging.getMappedRange(0, bytes).slice(0);
  staging.unmap();
  const ms = performance.now() - t0;
  src.destroy();
  staging.destroy();
  return ms;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const { device, adapterInfo } = await createNodeContext();
  const tuning = await tuneKernelsNode(device, { adapter: adapterInfo, log });
  log(`matmul choice (${tuning.source}): ${JSON.stringify(tuning.choice)}`);
  const results = [];
  const only = process.env.BENCH_TRACE_CASE; // a substring of a case's name: run that case only
  for (const c of CASES.filter((x) => !only || x.name.includes(only))) {
    const V = c.config.vocab_size;
    const model = new GPT(device, c.config);
    model.setWeights(initParams(c.config, model.layout, 1));
    const form16: DecoderWeights = tuning.choice.weights === 'f16' && decoderWeightsRun(device, 'f16') ? 'f16' : 'f16packed';
    for (const weights of ['f32', form16] as const) {
    const decoder = new Decoder(model, { weights });
    const tokens = Array.from({ length: c.config.block_size }, (_, i) => (i * 7919 + 13) % V);
    // Warm-up: pipelines of the step, the tapped step and the prefill.
    await decoder.step(tokens[0]!, 0);
    await traceGpu(decoder, tokens.slice(0, 9));
    for (const p of c.positions) {
      const seq = tokens.slice(0, p + 1);
      const ms = { decode: [] as number[], held: [] as number[], cold: [] as number[], prefill: [] as number[], readback: [] as number[] };
      const bytes = traceLayout(c.config, p + 1).total * 4;
      for (let r = 0; r < REPEATS; r++) {
        decoder.fill(seq.slice(0, p)); // the cache holds the text before p (no time counted:
        await device.queue.onSubmittedWorkDone(); // the fill is done before the step is timed)
        const decode = () => timed(() => decoder.step(seq[p]!, p, { logits: true })); // writes row p with the token it holds
        const held = () => timed(() => traceGpu(decoder, seq));
        if (r % 2 === 0) {
          ms.decode.push(await decode());
          ms.held.push(await held());
        } else {
          ms.held.push(await held());
          ms.decode.push(await decode());
        }
        ms.readback.push(await readBack(device, bytes));
      }
      const ratios = ms.held.map((h, r) => h / (ms.decode[r]! + ms.readback[r]!)).sort((x, y) => x - y);
      const quartile = (q: number) => ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))]!;
      for (let r = 0; r < COLD_REPEATS; r++) {
        await decoder.step((tokens[0]! + 1) % V, 0, {}); // other tokens: every row is to be filled again
        ms.cold.push(await timed(() => traceGpu(decoder, seq)));
        if (p === 0) continue;
        await decoder.step((tokens[0]! + 1) % V, 0, {});
        await device.queue.onSubmittedWorkDone();
        ms.prefill.push(await timed(async () => {
          decoder.fill(seq.slice(0, p));
          await device.queue.onSubmittedWorkDone();
        }));
      }
      const row = {
        case: c.name,
        weights,
        position: p,
        decode_ms: round(median(ms.decode)),
        trace_held_ms: round(median(ms.held)),
        trace_cold_ms: round(median(ms.cold)),
        prefill_ms: ms.prefill.length ? round(median(ms.prefill)) : 0,
        held_over_decode: round(median(ms.held) / median(ms.decode), 2),
        readback_ms: round(median(ms.readback)),
        held_over_decode_plus_readback: round(median(ratios), 2),
        held_over_decode_plus_readback_q1_q3: [round(quartile(0.25), 2), round(quartile(0.75), 2)],
        held_over_decode_plus_readback_best: round(Math.min(...ms.held) / (Math.min(...ms.decode) + Math.min(...ms.readback)), 2),
        readback_mb: round((traceLayout(c.config, p + 1).total * 4) / 2 ** 20, 2),
        repeats: REPEATS,
        cold_repeats: COLD_REPEATS,
      };
      results.push(row);
      log(`${c.name}, ${weights} weights, position ${p}: decode step ${row.decode_ms} ms | trace, cache held ${row.trace_held_ms} ms (${row.held_over_decode}x a step; per repeat ${row.held_over_decode_plus_readback}x a step + the read-back, quartiles ${row.held_over_decode_plus_readback_q1_q3.join('-')}, fastest of each ${row.held_over_decode_plus_readback_best}x) | trace, cold cache ${row.trace_cold_ms} ms (of it the prefill of ${p} rows ${row.prefill_ms} ms) | read-back ${row.readback_mb} MB in ${row.readback_ms} ms`);
    }
    decoder.destroy();
    }
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
