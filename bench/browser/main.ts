/**
 * The bench page of `npm run bench:browser` (bench/browser/run.ts builds it with
 * vite.bench.config.ts, serves it and opens it in headless Chromium). It starts the product's
 * engine worker exactly as the UI does (src/workers/bridge.ts) and measures through its API, next
 * to the engine driven directly on this page's own GPUDevice and TensorFlow.js's GPT step
 * (bench/tfjs-gpt.ts) on the same adapter. The report lands in `window.__benchResults`
 * ({ report, text } or { error }); progress goes to the console.
 *
 * `?quick`: the fewest steps and tokens that give a figure (a smoke test; figures are rough).
 * `?matmul=SPEC` (a diagnostic, e.g. `direct8x8` or `nn=direct8x8,nt=direct16x4`): that choice is
 * stored before the worker starts, as if an earlier visit had tuned it, so the worker reads it back
 * instead of timing the candidates.
 */
import { NANOGPT_CPU, type Recipe } from '../../src/model/presets';
import { CONFIG_FILE, decodeCheckpoint, MODEL_FILE, TOKENIZER_FILE } from '../../src/model/checkpoint';
import { tuneKernels } from '../../src/model/tuning';
import { parseKernelChoice } from '../../src/kernels/choice';
import { kernelTuningKey } from '../../src/kernels/tune';
import { createGpuContext } from '../../src/gpu/device';
import { indexedDbTuningStore } from '../../src/gpu/tuner';
import { getEngine } from '../../src/workers/bridge';
import { currentCorpus, setCorpus } from '../../src/workers/engine/corpus';
import { loadTfjsWebgpu } from '../tfjs-gpt';
import { decodeCases, type DecodePlan } from './decode';
import { formatReport, type BrowserReport } from './report';
import { log } from './timing';
import { trainCase, type TrainCase, type TrainPlan } from './train';

const query = new URLSearchParams(location.search);
const quick = query.has('quick');
const forcedMatmul = query.get('matmul');
const SHIPPED_DIR = new URL('weights/shakespeare-char/', location.href).href;
const CORPUS = { url: new URL('corpora/tinyshakespeare.txt', location.href).href, name: 'tinyshakespeare.txt' };
const GOALS = { train_ratio_min: 3, overhead_max: 0.1 };

/**
 * Steps per case, sized for SwiftShader on a shared 2-core machine (a shipped-config step takes
 * seconds there, a TensorFlow.js one four times as long): the tiny config gets more steps and
 * rounds, being cheap and the noisier.
 */
const PLANS: Record<'shipped' | 'tiny', TrainPlan> = quick
  ? { shipped: { warmup: 1, steps: 2, peerWarmup: 1, peerSteps: 1, rounds: 1 }, tiny: { warmup: 2, steps: 6, peerWarmup: 1, peerSteps: 3, rounds: 1 } }
  : { shipped: { warmup: 1, steps: 4, peerWarmup: 1, peerSteps: 2, rounds: 1 }, tiny: { warmup: 3, steps: 40, peerWarmup: 2, peerSteps: 15, rounds: 3 } };
const DECODE: DecodePlan = { prompt: 'ROMEO:', tokens: quick ? 8 : 48, rounds: quick ? 1 : 6 };

/** A recipe for a timed run: one evaluation before step 1 (the worker's loop always makes it), one batch for it, no dropout. */
function benchRecipe(shape: Pick<Recipe, 'n_layer' | 'n_head' | 'n_embd' | 'block_size' | 'batch'>, plan: TrainPlan): Recipe {
  const steps = plan.warmup + plan.steps + 100; // never reached: the run is stopped when its window closes
  return { ...NANOGPT_CPU, ...shape, steps, evalEvery: steps, evalIters: 1, dropout: 0 };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function run(): Promise<BrowserReport> {
  const t0 = performance.now();
  // The engine driven directly: this page's own device, with the kernels the worker's tuning chose (read back from the store).
  const ctx = await createGpuContext(navigator.gpu);
  const store = indexedDbTuningStore();
  if (forcedMatmul) {
    await store.save({ key: kernelTuningKey(ctx.device), choice: { ...parseKernelChoice(forcedMatmul) }, timings: {}, tuneMs: 0, tunedAt: new Date().toISOString() });
    log(`matmul choice stored before the worker starts: ${forcedMatmul}`);
  }
  const engine = getEngine();
  const info = await engine.init({});
  if (info.backend !== 'webgpu') throw new Error(`the worker has no WebGPU: ${info.noWebGpu?.message ?? 'unknown reason'}`);
  log(`worker: ${info.adapter.vendor} ${info.adapter.architecture}, matmul ${JSON.stringify(info.tuning)}`);
  const direct = await tuneKernels(ctx.device, store);
  log(`page device: matmul ${direct.source} ${JSON.stringify(direct.choice)}, tuner timings ${JSON.stringify(direct.record?.timings)}`);

  let tf: Awaited<ReturnType<typeof loadTfjsWebgpu>>['tf'] | string;
  let peer: string;
  try {
    const t = await loadTfjsWebgpu(navigator.gpu);
    tf = t.tf;
    peer = `TensorFlow.js ${t.tf.version_core} WebGPU backend (adapter: ${t.adapter})`;
  } catch (e) {
    tf = `TensorFlow.js's WebGPU backend did not start: ${(e as Error).message}`;
    peer = 'TensorFlow.js (unavailable)';
  }
  log(peer);

  // The same corpus on both sides, tokenized by the worker's own corpus module.
  await engine.setCorpusFromUrl(CORPUS.url, CORPUS.name, 'char');
  setCorpus([{ name: CORPUS.name, bytes: await fetchBytes(CORPUS.url) }], 'char');
  const corpus = currentCorpus();

  const files = new Map<string, Uint8Array>();
  for (const f of [CONFIG_FILE, TOKENIZER_FILE, MODEL_FILE]) files.set(f, await fetchBytes(SHIPPED_DIR + f));
  const shipped = decodeCheckpoint(files);
  const s = shipped.config;
  const cases: TrainCase[] = [
    {
      model: `shakespeare-char, shipped config (L${s.n_layer} H${s.n_head} C${s.n_embd} V${s.vocab_size})`,
      recipe: benchRecipe({ n_layer: s.n_layer, n_head: s.n_head, n_embd: s.n_embd, block_size: s.block_size, batch: 12 }, PLANS.shipped),
      plan: PLANS.shipped,
    },
    {
      // The e2e tests' tiny recipe (e2e/helpers.ts): per-step costs dominate, not arithmetic.
      model: `tiny (L1 H2 C32 V${corpus.tokenizer.vocabSize})`,
      recipe: benchRecipe({ n_layer: 1, n_head: 2, n_embd: 32, block_size: 32, batch: 4 }, PLANS.tiny),
      plan: PLANS.tiny,
    },
  ];
  const train = [];
  for (const c of cases) {
    log(`train: ${c.model}, B=${c.recipe.batch} T=${c.recipe.block_size}`);
    train.push(await trainCase(engine, ctx.device, tf, corpus, c));
  }

  // Decode after training: a finished run makes its model the worker's current one.
  log('decode: the shipped model');
  await engine.loadModelFromUrl(SHIPPED_DIR.replace(/\/$/, ''), 'Shakespeare (char-level)');
  const decode = await decodeCases(engine, ctx.device, shipped, `shakespeare-char, shipped model (context up to ${DECODE.tokens + DECODE.prompt.length})`, DECODE);
  ctx.device.destroy();

  const ratios = train.map((t) => t.ratio);
  const overheads = [...train, ...decode].map((x) => x.page_overhead);
  return {
    browser: navigator.userAgent,
    adapter: ctx.adapterInfo,
    peer,
    matmul: info.tuning ?? null,
    ...(forcedMatmul ? { forced_matmul: forcedMatmul } : {}),
    direct_matmul: { source: direct.source, choice: { ...direct.choice }, timings: direct.record?.timings, tune_ms: direct.record?.tuneMs },
    train,
    decode,
    goals: {
      ...GOALS,
      train_met: ratios.every((r) => r != null && r >= GOALS.train_ratio_min),
      overhead_met: overheads.every((o) => o < GOALS.overhead_max),
    },
    wall_s: (performance.now() - t0) / 1000,
  };
}

run().then(
  (report) => {
    const text = formatReport(report);
    document.body.textContent = text;
    window.__benchResults = { report, text };
  },
  (e: unknown) => {
    const error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
    document.body.textContent = error;
    window.__benchResults = { error };
  },
);
