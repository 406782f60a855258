/**
 * What the probe costs a training run (src/model/probe.ts: one evaluation forward over the probe
 * text, probe_scores, one read-back, at each evaluation), on the Node WebGPU adapter.
 * `npm run bench:probe [-- --json]`; BENCH_PROBE_REPEATS sets the repeats (default 3).
 *
 * For each shipped recipe (Shakespeare, characters) at its own evaluation cadence, the parts of one
 * period, each the median of its repeats: a step (blocks of 20 steps, pipelined as the page runs
 * them), the evaluation (train and val losses over `evalIters` batches each) and the probe; the
 * probe's cost is its share of the period (evalEvery steps + the evaluation). For the smallest recipe
 * also whole periods with the probe on and off, alternating so a loaded machine's noise falls on both
 * (throughput = tokens trained per second of wall time; on a shared machine that noise is far
 * larger than the probe, so the parts are the figure to quote).
 */
import { readFileSync } from 'node:fs';
import { loadCorpus } from '../src/model/corpus';
import { PRESETS } from '../src/model/presets';
import { recipeConfig, recipeTrainOptions, trainingSession } from '../src/model/session';
import { TrainingRun } from '../src/model/training-run';
import { tuneKernelsNode } from '../src/node/tuning';
import { createNodeContext } from '../src/node/webgpu';
import { log, median } from './harness';
import { writeStdout } from './stdout';

const REPEATS = Number(process.env.BENCH_PROBE_REPEATS ?? 3);
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** One cadence period from where the run is: evalEvery steps and the evaluation (plus the probe when `probe`). */
async function period(run: TrainingRun, evalEvery: number, probe: boolean): Promise<number> {
  const stop = new AbortController();
  const t0 = performance.now();
  for await (const ev of trainingSession(run.trainer, { evalEvery, signal: stop.signal, evalAtStart: false })) {
    if (ev.kind === 'eval') {
      if (probe) await run.probeScores();
      stop.abort();
    }
  }
  return performance.now() - t0;
}

/** `n` steps pipelined one deep, as the session submits them. */
async function steps(run: TrainingRun, n: number): Promise<void> {
  let prev = run.trainer.submitStep();
  for (let i = 1; i < n; i++) {
    const next = run.trainer.submitStep();
    await prev;
    prev = next;
  }
  await prev;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const { device, adapterInfo } = await createNodeContext();
  await tuneKernelsNode(device, { adapter: adapterInfo, log });
  const corpus = loadCorpus([{ name: 'tinyshakespeare.txt', bytes: new Uint8Array(readFileSync('public/corpora/tinyshakespeare.txt')) }], 'char');
  const results = [];
  for (const id of ['quick', 'nanogpt-cpu'] as const) {
    const recipe = PRESETS.find((p) => p.id === id)!.recipe;
    const config = recipeConfig(recipe, corpus.tokenizer.vocabSize);
    const opts = { ...recipeTrainOptions(recipe), steps: 100_000 };
    const run = await TrainingRun.allocate(device, { config, opts, train: corpus.train, val: corpus.val, tokenizer: corpus.tokenizer, probe: corpus.val.subarray(0, 257) }, id);
    const tokensPerStep = recipe.batch * recipe.block_size;
    // Warm-up: every pipeline of the step, the evaluation and the probe.
    await steps(run, 3);
    await run.trainer.evaluate('val', 1);
    await run.probeScores();
    const stepMs: number[] = [];
    const evalMs: number[] = [];
    const probeMs: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      stepMs.push((await timed(() => steps(run, 20))) / 20);
      evalMs.push(await timed(async () => (await run.trainer.evaluate('train'), await run.trainer.evaluate('val'))));
      probeMs.push(await timed(() => run.probeScores()!));
    }
    const step = median(stepMs);
    const periodMs = recipe.evalEvery * step + median(evalMs);
    const k = Math.min(10, config.vocab_size);
    const row: Record<string, unknown> = {
      recipe: id,
      evalEvery: recipe.evalEvery,
      evalIters: recipe.evalIters,
      positions: run.probePositions,
      readbackBytes: run.probePositions * (1 + 2 * k) * 4,
      stepMs: round(step, 2),
      evalMs: round(median(evalMs)),
      probeMs: round(median(probeMs), 2),
      periodMs: round(periodMs),
      probeCostPercent: round((median(probeMs) / periodMs) * 100, 2),
    };
    if (id === 'quick') {
      const ms = { off: [] as number[], on: [] as number[] };
      for (let r = 0; r < REPEATS; r++) {
        ms.off.push(await period(run, recipe.evalEvery, false));
        ms.on.push(await period(run, recipe.evalEvery, true));
      }
      const tokens = recipe.evalEvery * tokensPerStep;
      Object.assign(row, {
        periodsOffMs: ms.off.map((x) => round(x)),
        periodsOnMs: ms.on.map((x) => round(x)),
        tokensPerSecOff: Math.round((tokens * 1000) / median(ms.off)),
        tokensPerSecOn: Math.round((tokens * 1000) / median(ms.on)),
        wallCostPercent: round(((median(ms.on) - median(ms.off)) / median(ms.off)) * 100, 2),
      });
    }
    log(JSON.stringify(row));
    results.push(row);
    run.destroy();
  }
  if (json) await writeStdout(JSON.stringify({ adapter: adapterInfo, repeats: REPEATS, results }, null, 2));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
