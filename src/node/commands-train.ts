/** `cli train`: a corpus file in, a model directory out; progress on stderr, evaluations as JSON lines with --json. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { EngineError } from '../errors';
import { validateConfig, type GPTConfig } from '../model/config';
import { checkCorpus, decodeCorpusBytes, splitTrainVal } from '../model/data';
import { GPT } from '../model/gpt';
import { initParams } from '../model/params';
import { CharTokenizer, Gpt2Tokenizer, type Tokenizer } from '../model/tokenizer';
import { Trainer, type TrainOptions } from '../model/trainer';
import { readFloats } from '../gpu/buffers';
import { num, required, UsageError, type CliArgs } from './cli';
import { saveModelDir } from './model-dir';
import { ProgressBar } from './progress';
import { createNodeContext } from './webgpu';

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

  const config: GPTConfig = {
    n_layer: num(args, 'layers', 4),
    n_head: num(args, 'heads', 4),
    n_embd: num(args, 'embd', 128),
    block_size: num(args, 'block', 64),
    vocab_size: tokenizer.vocabSize,
  };
  const steps = num(args, 'steps', 2000);
  const opts: TrainOptions = {
    batch: num(args, 'batch', 12),
    steps,
    lr: num(args, 'lr', 1e-3),
    minLr: num(args, 'min-lr', 1e-4),
    warmup: num(args, 'warmup', 100),
    weightDecay: num(args, 'weight-decay', 0.1),
    beta1: 0.9,
    beta2: num(args, 'beta2', 0.99),
    eps: 1e-8,
    gradClip: num(args, 'grad-clip', 1),
    evalIters: num(args, 'eval-iters', 20),
    seed: num(args, 'seed', 1337),
  };
  const evalEvery = num(args, 'eval-every', 250);
  if (!Number.isInteger(steps) || steps < 1) throw new UsageError('--steps must be a whole number >= 1');

  const ctx = await createNodeContext();
  validateConfig(config, ctx.device.limits, opts.batch, opts.seqLen);
  const model = new GPT(ctx.device, config, { training: true });
  model.setWeights(initParams(config, model.layout, opts.seed));
  const trainer = new Trainer(model, train, val, opts);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`corpus ${basename(dataPath)}: ${tokens.length} tokens (${kind}, vocab ${tokenizer.vocabSize}); train ${train.length}, val ${val.length}`);
  log(`model: ${config.n_layer} layers, ${config.n_head} heads, ${config.n_embd} embd, block ${config.block_size}, ${(model.layout.totalFloats / 1e6).toFixed(2)}M params (padded); adapter ${ctx.adapterInfo.vendor} ${ctx.adapterInfo.architecture}`);

  const bar = new ProgressBar(steps, opts.batch * trainer.T);
  let best = Infinity;
  const save = async (note: string) => {
    const params = await readFloats(ctx.device, model.params);
    await saveModelDir(outDir, { config, tokenizer, params });
    bar.log(`saved ${outDir} (${note})`);
  };
  const evaluate = async (step: number) => {
    const trainLoss = await trainer.evaluate('train');
    const valLoss = await trainer.evaluate('val');
    bar.log(`step ${step}: train loss ${trainLoss.toFixed(4)}, val loss ${valLoss.toFixed(4)}`);
    if (args.json) process.stdout.write(`${JSON.stringify({ step, train_loss: round(trainLoss), val_loss: round(valLoss) })}\n`);
    return valLoss;
  };
  const t0 = performance.now();
  try {
    for (let s = 0; s < steps; s++) {
      if (s % evalEvery === 0) {
        const v = await evaluate(s);
        if (v < best && s > 0) {
          best = v;
          await save(`val loss ${v.toFixed(4)}`);
        }
      }
      const r = await trainer.trainStep();
      bar.update(r.step, r.loss, r.lr);
    }
  } catch (e) {
    bar.done();
    if (e instanceof EngineError && e.code === 'DIVERGED' && Number.isFinite(best)) log(`the best checkpoint so far is in ${outDir}`);
    throw e;
  }
  bar.done();
  const v = await evaluate(steps);
  if (v < best) await save(`final, val loss ${v.toFixed(4)}`);
  else log(`final val loss ${v.toFixed(4)} is not better than ${best.toFixed(4)}: kept the earlier checkpoint`);
  const secs = (performance.now() - t0) / 1000;
  log(`done: ${steps} steps in ${secs.toFixed(0)} s (${Math.round((steps * opts.batch * trainer.T) / secs)} tok/s incl. evaluation)`);
  trainer.destroy();
  model.destroy();
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
