/**
 * Decode tokens/s and GPU bytes with 32-bit and 16-bit decoder weights (src/model/f16.ts: 'f32',
 * 'f16packed', 'f16' where the adapter has shader-f16), on the Node WebGPU adapter.
 * `npm run bench:decode-weights [-- --json]`; BENCH_GPT2_TOKENS sets the timed steps per form of the
 * GPT-2 small cases (default 4; 0 skips them).
 *
 * Random weights. Each timed step feeds one token at position `pos` with the logits read back, as
 * generation does; the cache is not filled first (a step's work depends on its position, not on
 * what the cache holds), which keeps GPT-2 small at context 1024 to seconds. Steps rotate through
 * the forms one token at a time and each form keeps its median, so a loaded machine's noise falls
 * on every form alike (see bench/decode-capture.ts).
 * Bytes: the weights a decode step reads (f32: the whole parameter buffer; 16-bit: the packed copy
 * plus the f32 biases and layernorm gains), and all GPU bytes held with the decoder alive: the f32
 * model's parameters plus the decoder, or for 'f16packed, vectors-only model' a model built with
 * `params: 'vectors'` (no f32 matrices on the GPU) plus its decoder, packed from the host weights.
 */
import { gpuBytesInUse } from '../src/gpu/buffers';
import { decoderWeightsRun, DECODER_WEIGHTS } from '../src/model/f16';
import { Decoder } from '../src/model/generate';
import { GPT } from '../src/model/gpt';
import type { GPTConfig } from '../src/model/config';
import { initParams } from '../src/model/params';
import { tuneKernelsNode } from '../src/node/tuning';
import { createNodeContext } from '../src/node/webgpu';
import { log, median } from './harness';

const GPT2: GPTConfig = { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 };
const gpt2Tokens = Number(process.env.BENCH_GPT2_TOKENS ?? 4);
const CASES: { name: string; config: GPTConfig; pos: number; tokens: number }[] = [
  { name: 'shipped shape (4L 4H 128C, V 65), position 127', config: { n_layer: 4, n_head: 4, n_embd: 128, block_size: 128, vocab_size: 65 }, pos: 127, tokens: 100 },
  { name: 'GPT-2 small, position 255', config: GPT2, pos: 255, tokens: gpt2Tokens },
  { name: 'GPT-2 small, position 1023', config: GPT2, pos: 1023, tokens: gpt2Tokens },
];

const MB = 2 ** 20;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const { device, adapterInfo } = await createNodeContext();
  const tuning = await tuneKernelsNode(device, { adapter: adapterInfo, log });
  log(`matmul choice (${tuning.source}): ${JSON.stringify(tuning.choice)}`);
  const forms = DECODER_WEIGHTS.filter((w) => decoderWeightsRun(device, w));
  const results = [];
  for (const c of CASES.filter((c) => c.tokens > 0)) {
    const model = new GPT(device, c.config);
    const host = initParams(c.config, model.layout, 1);
    model.setWeights(host);
    const vectorBytes = 4 * model.layout.tensors.filter((t) => t.shape.length === 1).reduce((s, t) => s + t.size, 0);
    const rows: Record<string, { weightMB: number; heldMB: number; ms: number[] }> = {};
    const decoders = new Map<string, Decoder>();
    for (const w of forms) {
      const before = gpuBytesInUse(device);
      const dec = new Decoder(model, { weights: w });
      decoders.set(w, dec);
      const weightBytes = dec.weights16 ? dec.weights16.bytes + vectorBytes : model.params.size;
      // Held: the model (f32 parameters, which training and the f32 path keep) plus this decoder alone.
      rows[w] = { weightMB: weightBytes / MB, heldMB: (model.params.size + gpuBytesInUse(device) - before) / MB, ms: [] };
      await dec.step(1, c.pos, { logits: true }); // warm-up: pipelines, staging
    }
    const LEAN = 'f16packed, vectors-only model';
    const before = gpuBytesInUse(device);
    const lean = new GPT(device, c.config, { params: 'vectors' });
    lean.setWeights(host);
    const leanDecoder = new Decoder(lean, { weights: 'f16packed', hostWeights: host });
    decoders.set(LEAN, leanDecoder);
    rows[LEAN] = { weightMB: rows.f16packed!.weightMB, heldMB: (gpuBytesInUse(device) - before) / MB, ms: [] };
    await leanDecoder.step(1, c.pos, { logits: true });
    for (let i = 0; i < c.tokens; i++) {
      for (const [w, dec] of decoders) {
        const t0 = performance.now();
        await dec.step(i % c.config.vocab_size, c.pos, { logits: true });
        rows[w]!.ms.push(performance.now() - t0);
      }
    }
    const f32 = 1000 / median(rows.f32!.ms);
    for (const [w, r] of Object.entries(rows)) {
      const tps = 1000 / median(r.ms);
      results.push({ case: c.name, weights: w, tokens: c.tokens, tok_s: round(tps, 2), vs_f32: round(tps / f32, 2), weight_MB: round(r.weightMB), held_MB: round(r.heldMB) });
      process.stderr.write(`${c.name}, ${w}: ${tps.toFixed(2)} tok/s (${(tps / f32).toFixed(2)}x f32), weights read ${r.weightMB.toFixed(1)} MB, held ${r.heldMB.toFixed(1)} MB (median of ${c.tokens})\n`);
    }
    for (const dec of decoders.values()) dec.destroy();
    model.destroy();
    lean.destroy();
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
