/**
 * `cli train`: a corpus file in, a model directory out, through the same training loop as the page
 * (src/model/session.ts). Progress on stderr; evaluations as JSON lines with --json. The recipe is a
 * preset (default: nanoGPT's CPU recipe) with any option overriding it.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { EngineError } from '../errors';
import { readFloats } from '../gpu/buffers';
import { validateConfig } from '../model/config';
import { checkCorpus, decodeCorpusBytes, splitTrainVal } from '../model/data';
import { GPT } from '../model/gpt';
import { initParams } from '../model/params';
import { preset, PRESETS, type PresetId, type Recipe } from '../model/presets';
import { recipeConfig, recipeTrainOptions, trainingSession } from '../model/session';
import { CharTokenizer, Gpt2Tokenizer, type Tokenizer } from '../model/tokenizer';
import { Trainer } from '../model/trainer';
import { num, required, UsageError, type CliArgs } from './args';
import { saveModelDir } from './model-dir';
import { ProgressBar } from './progress';
import { tuneMatmulNode } from './tuning';
import { createNodeContext } from './webgpu';

/** The preset named by --preset (default nanoGPT's CPU recipe) with the command line's overrides. */
export function recipeFromArgs(args: CliArgs): Recipe {
  const id = (args.preset ?? 'nanogpt-cpu') as PresetId;
  if (!PRESETS.some((p) => p.id === id)) throw new UsageError(`--preset must be one of ${PRESETS.map((p) => p.id).join(', ')}; got '${id}'`);
  const r = preset(id).recipe;
  const recipe: Recipe = {
    n_layer: num(args, 'layers', r.n_layer),
    n_head: num(args, 'heads', r.n_head),
    n_embd: num(args, 'embd', r.n_embd),
    block_size: num(args, 'block', r.block_size),
    batch: num(args, 'batch', r.batch),
    steps: num(args, 'steps', r.steps),
    lr: num(args, 'lr', r.lr),
    minLr: num(args, 'min-lr', r.minLr),
    warmup: num(args, 'warmup', r.warmup),
    weightDecay: num(args, 'weight-decay', r.weightDecay),
    dropout: num(args, 'dropout', r.dropout),
    evalEvery: num(args, 'eval-every', r.evalEvery),
    evalIters: num(args, 'eval-iters', r.evalIters),
    seed: num(args, 'seed', r.seed),
  };
  if (!Number.isInteger(recipe.steps) || recipe.steps < 1) throw new UsageError('--steps must be a whole number >= 1');
  if (!Number.isInteger(recipe.evalEvery) || recipe.evalEvery < 1) throw new UsageError('--eval-every must be a whole number >= 1');
  if (!(recipe.dropout >= 0 && recipe.dropout < 1)) throw new UsageError('--dropout must be in [0, 1)');
  return recipe;
}

export async function trainCommand(args: CliArgs): Promise<void> {
  const dataPath = required(args, 'data');
  const outDir = required(args, 'out');
  const text = decodeCorpusBytes(new Uint8Array(readFileSync(dataPath)));
  checkCorpus(text);
  const kind = args.tokenizer ?? 'char';
  if (kind !== 'char' && kind !== 'gpt2') throw new UsageError(`--tokenizer must be char or gpt2, got '${kind}'`);
  const tokenizer: Tokenizer = kind === 'char' ? CharTokenizer.fromCorpus(text) : new Gpt2Tokenizer();
  const tokens = Uint32Array.from(tokenizer.encode(text));
  const { train, val } = splitTrainVal(tokens);

  const recipe = recipeFromArgs(args);
  const config = recipeConfig(recipe, tokenizer.vocabSize);
  const opts = { ...recipeTrainOptions(recipe), beta2: num(args, 'beta2', 0.99), gradClip: num(args, 'grad-clip', 1) };

  const ctx = await createNodeContext();
  await tuneMatmulNode(ctx.device, { adapter: ctx.adapterInfo }); // once per adapter: the choice is cached (~/.cache/webgpu-gpt)
  validateConfig(config, ctx.device.limits, opts.batch, opts.seqLen);
  const model = new GPT(ctx.device, config, { training: true });
  model.setWeights(initParams(config, model.layout, opts.seed));
  const trainer = new Trainer(model, train, val, opts);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`corpus ${basename(dataPath)}: ${tokens.length} tokens (${kind}, vocab ${tokenizer.vocabSize}); train ${train.length}, val ${val.length}`);
  log(
    `model: ${config.n_layer} layers, ${config.n_head} heads, ${config.n_embd} embd, block ${config.block_size}, dropout ${recipe.dropout}, ` +
      `${(model.layout.totalFloats / 1e6).toFixed(2)}M params (padded); adapter ${ctx.adapterInfo.vendor} ${ctx.adapterInfo.architecture}`,
  );

  const bar = new ProgressBar(recipe.steps, opts.batch * trainer.T);
  let best = Infinity;
  const save = async (note: string, step: number, valLoss: number) => {
    const params = await readFloats(ctx.device, model.params);
    const card = { name: basename(resolve(outDir)), corpus: basename(dataPath), step, totalSteps: recipe.steps, valLoss, source: 'cli' } as const;
    await saveModelDir(outDir, { config, tokenizer, params }, card);
    bar.log(`saved ${outDir} (${note})`);
  };
  const t0 = performance.now();
  try {
    for await (const ev of trainingSession(trainer, { evalEvery: recipe.evalEvery })) {
      if (ev.kind === 'step') bar.update(ev.step, ev.loss, ev.lr);
      else if (ev.kind === 'eval') {
        bar.log(`step ${ev.step}: train loss ${ev.trainLoss.toFixed(4)}, val loss ${ev.valLoss.toFixed(4)}`);
        if (args.json) process.stdout.write(`${JSON.stringify({ step: ev.step, train_loss: round(ev.trainLoss), val_loss: round(ev.valLoss) })}\n`);
        // The best checkpoint by val loss is what the directory holds (the untrained step 0 never is).
        if (ev.best && ev.step > 0) {
          best = ev.valLoss;
          await save(`${ev.step === recipe.steps ? 'final, ' : ''}val loss ${ev.valLoss.toFixed(4)}`, ev.step, ev.valLoss);
        } else if (ev.step === recipe.steps) log(`final val loss ${ev.valLoss.toFixed(4)} is not better than ${best.toFixed(4)}: kept the earlier checkpoint`);
      }
    }
  } catch (e) {
    bar.done();
    if (e instanceof EngineError && e.code === 'DIVERGED' && Number.isFinite(best)) log(`the best checkpoint so far is in ${outDir}`);
    throw e;
  }
  bar.done();
  const secs = (performance.now() - t0) / 1000;
  log(`done: ${recipe.steps} steps in ${secs.toFixed(0)} s (${Math.round((recipe.steps * opts.batch * trainer.T) / secs)} tok/s incl. evaluation)`);
  trainer.destroy();
  model.destroy();
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
