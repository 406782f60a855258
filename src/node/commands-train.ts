/**
 * `cli train`: a corpus file in, a model directory out, through the same training run as the page
 * (src/model/training-run.ts). Progress on stderr; evaluations as JSON lines with --json, and with
 * --sample N a sample of N characters from the current weights at each evaluation. The recipe is a
 * preset (default: nanoGPT's CPU recipe) with any option overriding it.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { EngineError } from '../errors';
import { learnCorpusBpe, loadCorpus } from '../model/corpus';
import { preset, PRESETS, type PresetId, type Recipe } from '../model/presets';
import { assertRecipe, checkRecipeField, checkVocabSize } from '../model/recipe';
import { PROBE_MAX_POSITIONS, probeLoss } from '../model/probe';
import { recipeConfig, recipeTrainOptions } from '../model/session';
import { TrainingRun } from '../model/training-run';
import { num, required, UsageError, type CliArgs } from './args';
import { saveModelDir } from './model-dir';
import { ProgressBar } from './progress';
import { tuneKernelsNode } from './tuning';
import { createNodeContext } from './webgpu';

/** The option that sets each recipe field. */
const FLAGS = {
  n_layer: 'layers',
  n_head: 'heads',
  n_embd: 'embd',
  block_size: 'block',
  batch: 'batch',
  steps: 'steps',
  lr: 'lr',
  minLr: 'min-lr',
  warmup: 'warmup',
  weightDecay: 'weight-decay',
  dropout: 'dropout',
  evalEvery: 'eval-every',
  evalIters: 'eval-iters',
  seed: 'seed',
} as const satisfies Record<keyof Recipe, keyof CliArgs>;

/**
 * The preset named by --preset (default nanoGPT's CPU recipe) with the command line's overrides.
 * A value out of its field's range (the page's validator, src/model/recipe.ts) is a usage error
 * that names the option; what depends on other fields or the text is checked with the text.
 */
function recipeFromArgs(args: CliArgs): Recipe {
  const id = (args.preset ?? 'nanogpt-cpu') as PresetId;
  if (!PRESETS.some((p) => p.id === id)) throw new UsageError(`--preset must be one of ${PRESETS.map((p) => p.id).join(', ')}; got '${id}'`);
  const r = preset(id).recipe;
  const recipe = Object.fromEntries(Object.entries(FLAGS).map(([key, flag]) => [key, num(args, flag, r[key as keyof Recipe])])) as unknown as Recipe;
  for (const key of Object.keys(FLAGS) as (keyof Recipe)[]) {
    const bad = checkRecipeField(key, recipe[key]);
    if (bad) throw new UsageError(`--${FLAGS[key]}: ${bad.message}`);
  }
  return recipe;
}

export async function trainCommand(args: CliArgs): Promise<void> {
  const dataPath = required(args, 'data');
  const outDir = required(args, 'out');
  const kind = args.tokenizer ?? 'char';
  if (kind !== 'char' && kind !== 'gpt2' && kind !== 'bpe') throw new UsageError(`--tokenizer must be char, gpt2 or bpe, got '${kind}'`);
  const vocab = num(args, 'vocab', 4096);
  const badVocab = kind === 'bpe' ? checkVocabSize(vocab) : undefined;
  if (badVocab) throw new UsageError(`--vocab: ${badVocab.message}`);
  if (kind !== 'bpe' && args.vocab !== undefined) throw new UsageError('--vocab is the size of a vocabulary learned from the text: it goes with --tokenizer bpe');
  const maxSeconds = num(args, 'max-seconds', 0);
  if (!(maxSeconds >= 0)) throw new UsageError('--max-seconds must be 0 (no limit) or more');
  const recipe = recipeFromArgs(args);
  // The page's corpus loader and recipe validator: the same checks and messages as Start in the page.
  let corpus = loadCorpus([{ name: basename(dataPath), bytes: new Uint8Array(readFileSync(dataPath)) }], kind === 'bpe' ? 'char' : kind);
  if (kind === 'bpe') {
    let shown = '';
    corpus = await learnCorpusBpe(corpus, vocab, {
      onProgress: (p) => {
        const line = `learning the vocabulary: ${p.phase} ${Math.floor((100 * p.done) / p.total)}%`;
        if (line !== shown && (process.stderr.isTTY || p.done === p.total)) process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
        shown = line;
      },
    });
    const l = corpus.summary.learned!;
    process.stderr.write(
      `${process.stderr.isTTY ? '\r\x1b[K' : ''}learned ${corpus.tokenizer.vocabSize} tokens (asked ${vocab}) in ${l.seconds.toFixed(2)} s: ` +
        `${corpus.summary.charsPerToken!.toFixed(3)} characters per token (GPT-2's: ${l.gpt2CharsPerToken.toFixed(3)} on the first ${l.gpt2Chars} characters)\n`,
    );
  }
  const { tokenizer, tokens, train, val, summary } = corpus;
  assertRecipe(recipe, summary);
  const config = recipeConfig(recipe, tokenizer.vocabSize);
  const opts = { ...recipeTrainOptions(recipe), beta2: num(args, 'beta2', 0.99), gradClip: num(args, 'grad-clip', 1) };

  const ctx = await createNodeContext();
  await tuneKernelsNode(ctx.device, { adapter: ctx.adapterInfo }); // once per adapter: the choice is cached (~/.cache/webgpu-gpt)
  const sampleChars = num(args, 'sample', 0);
  if (!Number.isInteger(sampleChars) || sampleChars < 0) throw new UsageError('--sample must be a whole number >= 0');
  // --probe: the page's probe (src/model/probe.ts), the start of the validation split, scored at each evaluation.
  const probe = args.probe ? val.subarray(0, PROBE_MAX_POSITIONS + 1) : undefined;
  const run = await TrainingRun.allocate(ctx.device, { config, opts, train, val, tokenizer, probe }, 'allocating the model for training');
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`corpus ${basename(dataPath)}: ${tokens.length} tokens (${kind}, vocab ${tokenizer.vocabSize}); train ${train.length}, val ${val.length}`);
  log(
    `model: ${config.n_layer} layers, ${config.n_head} heads, ${config.n_embd} embd, block ${config.block_size}, dropout ${recipe.dropout}, ` +
      `${(run.model.layout.totalFloats / 1e6).toFixed(2)}M params (padded); adapter ${ctx.adapterInfo.vendor} ${ctx.adapterInfo.architecture}`,
  );

  const bar = new ProgressBar(recipe.steps, opts.batch * run.trainer.T);
  let best = Infinity;
  const save = async (note: string, step: number, valLoss?: number) => {
    const { params } = await run.save(run.step, false);
    const card = { name: basename(resolve(outDir)), corpus: basename(dataPath), step, totalSteps: recipe.steps, valLoss, source: 'cli' } as const;
    await saveModelDir(outDir, { config, tokenizer, params }, card);
    bar.log(`saved ${outDir} (${note})`);
  };
  const t0 = performance.now();
  // --max-seconds: the same training time for runs that differ in speed (a bigger vocabulary, say).
  const stop = new AbortController();
  const timer = maxSeconds > 0 ? setTimeout(() => stop.abort(), maxSeconds * 1000) : undefined;
  try {
    const end = await run.run(
      {
        onStep: (ev) => bar.update(ev.step, ev.loss, ev.lr),
        onEvaluation: async (ev) => {
          bar.log(`step ${ev.step}: train loss ${ev.trainLoss.toFixed(4)}, val loss ${ev.valLoss.toFixed(4)}`);
          if (sampleChars) bar.log(`sample: ${JSON.stringify(await run.sample(sampleChars))}`);
          const scores = await run.probeScores();
          const probeLossNow = scores && probeLoss(scores);
          if (scores) bar.log(`probe: mean −log p(true next token) ${probeLossNow!.toFixed(4)} over ${scores.p.length} positions (perplexity ${Math.exp(probeLossNow!).toFixed(2)}, uniform ${tokenizer.vocabSize})`);
          if (args.json) process.stdout.write(`${JSON.stringify({ step: ev.step, train_loss: round(ev.trainLoss), val_loss: round(ev.valLoss), ...(scores ? { probe_loss: round(probeLossNow!) } : {}) })}\n`);
          // The best checkpoint by val loss is what the directory holds (the untrained step 0 never is).
          if (ev.best && ev.step > 0) {
            best = ev.valLoss;
            await save(`${ev.step === recipe.steps ? 'final, ' : ''}val loss ${ev.valLoss.toFixed(4)}`, ev.step, ev.valLoss);
          } else if (ev.step === recipe.steps) log(`final val loss ${ev.valLoss.toFixed(4)} is not better than ${best.toFixed(4)}: kept the earlier checkpoint`);
        },
      },
      { evalEvery: recipe.evalEvery, signal: stop.signal },
    );
    clearTimeout(timer);
    if (end.error) throw end.error;
    if (end.reason === 'stopped') await save(`stopped at the time limit, step ${end.step}`, end.step);
  } catch (e) {
    bar.done();
    if (e instanceof EngineError && e.code === 'DIVERGED' && Number.isFinite(best)) log(`the best checkpoint so far is in ${outDir}`);
    throw e;
  }
  bar.done();
  const secs = (performance.now() - t0) / 1000;
  log(`done: ${run.step} steps in ${secs.toFixed(0)} s (${Math.round((run.step * opts.batch * run.trainer.T) / secs)} tok/s incl. evaluation)`);
  run.destroy();
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
