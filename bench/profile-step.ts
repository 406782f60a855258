/**
 * `npm run bench:profile [-- --gpt2] [--B 12] [--T 128] [--json]`: where one training step's time goes.
 *
 * Builds the Trainer of the shipped model's config, or GPT-2 small's shapes (random weights), then times every dispatch of
 * its step on its own: each op is submitted `reps` times in one pass, after a warm-up, and the
 * median per-dispatch time over a few rounds is kept. Rows are grouped by kernel label and shape.
 * Numbers add up to roughly the step time minus submit/readback overhead; they are for finding the
 * expensive kernels, not for comparing adapters.
 */
import { readFileSync } from 'node:fs';
import { encodeDispatches, type Dispatch } from '../src/gpu/dispatch';
import { fromHfConfig, type GPTConfig } from '../src/model/config';
import { GPT } from '../src/model/gpt';
import { initParams } from '../src/model/params';
import { Trainer, NANOGPT_SHAKESPEARE_CHAR } from '../src/model/trainer';
import { createNodeContext } from '../src/node/webgpu';
import { median } from './harness';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  // --gpt2: GPT-2 small's shapes (vocab cut by --vocab, default 32768, to fit a 128 MiB binding).
  const gpt2 = process.argv.includes('--gpt2');
  const cfg: GPTConfig = gpt2
    ? { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: arg('vocab', 32768) }
    : fromHfConfig(JSON.parse(readFileSync('public/weights/shakespeare-char/config.json', 'utf8')));
  const B = arg('B', gpt2 ? 1 : 12);
  const T = arg('T', gpt2 ? 64 : cfg.block_size);
  const reps = arg('reps', 4);
  const { device } = await createNodeContext();
  const model = new GPT(device, cfg, { training: true });
  model.setWeights(initParams(cfg, model.layout, 1337));
  const tokens = new Uint32Array(200_000).map((_, i) => (i * 7919) % cfg.vocab_size);
  const trainer = new Trainer(model, tokens, tokens, { ...NANOGPT_SHAKESPEARE_CHAR, batch: B, seqLen: T, steps: 10, seed: 1 });
  for (let i = 0; i < 3; i++) await trainer.trainStep();
  const stepMs: number[] = [];
  for (let i = 0; i < 5; i++) stepMs.push((await trainer.trainStep()).ms);

  const ops = trainer.stepOps;
  const rows = new Map<string, { ms: number; count: number }>();
  for (const op of ops) {
    if (!('pipeline' in op)) continue;
    const d = op as Dispatch;
    const times: number[] = [];
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      for (let r = 0; r < reps; r++) encodeDispatches(pass, [d]);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      if (round > 0) times.push((performance.now() - t0) / reps);
    }
    const key = `${d.label} ${d.workgroups.join('x')}`;
    const row = rows.get(key) ?? { ms: 0, count: 0 };
    row.ms += median(times);
    row.count++;
    rows.set(key, row);
  }
  const sorted = [...rows].sort((a, b) => b[1].ms - a[1].ms);
  const total = sorted.reduce((s, [, r]) => s + r.ms, 0);
  if (json) {
    console.log(JSON.stringify({ B, T, step_ms: median(stepMs), sum_ms: total, rows: sorted.map(([k, r]) => ({ kernel: k, ms: r.ms, count: r.count })) }));
  } else {
    console.log(`step ${median(stepMs).toFixed(1)} ms (median of 5); dispatches alone sum to ${total.toFixed(1)} ms`);
    for (const [k, r] of sorted) console.log(`${r.ms.toFixed(2).padStart(8)} ms ${(100 * r.ms / total).toFixed(1).padStart(5)}%  x${r.count}  ${k}`);
  }
  trainer.destroy();
  model.destroy();
  device.destroy();
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
