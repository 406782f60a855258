/** `cli generate`, `cli logits`, `cli eval`: inference on a model directory. */
import { readFileSync } from 'node:fs';
import { checkCorpus, decodeCorpusBytes } from '../model/data';
import { evaluateTokens } from '../model/evaluate';
import { DECODER_WEIGHTS, type DecoderWeights } from '../model/f16';
import { Decoder, generate, Recompute } from '../model/generate';
import { GPT } from '../model/gpt';
import type { Checkpoint } from '../model/checkpoint';
import { num, promptOf, required, UsageError, type CliArgs } from './args';
import { loadModelDir } from './model-dir';
import { tuneKernelsNode } from './tuning';
import { createNodeContext } from './webgpu';

/** `params: 'vectors'` leaves the matrices off the GPU (a 16-bit decoder packs them from ck.params). */
async function loadModel(args: CliArgs, params: 'all' | 'vectors' = 'all'): Promise<{ ck: Checkpoint; model: GPT }> {
  const ck = await loadModelDir(required(args, 'model'));
  const ctx = await createNodeContext();
  await tuneKernelsNode(ctx.device, { adapter: ctx.adapterInfo }); // once per adapter: the choice is cached (~/.cache/webgpu-gpt)
  const model = new GPT(ctx.device, ck.config, { params });
  model.setWeights(ck.params);
  return { ck, model };
}

export async function generateCommand(args: CliArgs): Promise<void> {
  const weights = (args.weights ?? 'f32') as DecoderWeights;
  if (!DECODER_WEIGHTS.includes(weights)) throw new UsageError(`--weights must be one of ${DECODER_WEIGHTS.join(', ')}, got '${args.weights}'`);
  // 16-bit: the GPU holds the packed matrices and the f32 vectors only, about half the f32 model.
  const { ck, model } = await loadModel(args, weights === 'f32' ? 'all' : 'vectors');
  const prompt = promptOf(args);
  const ids = ck.tokenizer.encode(prompt);
  if (ids.length === 0) ids.push(...ck.tokenizer.encode('\n'));
  const decoder = new Decoder(model, { weights, hostWeights: ck.params });
  const out: number[] = [];
  let printed = '';
  process.stdout.write(prompt);
  const t0 = performance.now();
  for await (const { token } of generate(decoder, ids, {
    maxNewTokens: num(args, 'max-new-tokens', 200),
    temperature: num(args, 'temperature', 0.8),
    topK: num(args, 'top-k', 0),
    topP: num(args, 'top-p', 1),
    seed: num(args, 'seed', 1337),
  })) {
    out.push(token);
    // Decode the whole continuation and print what is new: a BPE token may end mid-character.
    const text = ck.tokenizer.decode(out);
    const stable = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
    if (stable.length > printed.length) {
      process.stdout.write(stable.slice(printed.length));
      printed = stable;
    }
  }
  const text = ck.tokenizer.decode(out);
  process.stdout.write(`${text.slice(printed.length)}\n`);
  const secs = (performance.now() - t0) / 1000;
  process.stderr.write(`${out.length} tokens in ${secs.toFixed(2)} s (${(out.length / secs).toFixed(1)} tok/s, prompt included)\n`);
}

export async function logitsCommand(args: CliArgs): Promise<void> {
  const { ck, model } = await loadModel(args);
  const tokens = ck.tokenizer.encode(promptOf(args));
  if (tokens.length === 0) throw new Error('the prompt encodes to no tokens');
  const window = tokens.slice(-ck.config.block_size);
  const logits = await new Recompute(model).logits(window, true);
  process.stdout.write(`${JSON.stringify({ tokens, logits: Array.from(logits) })}\n`);
}

export async function evalCommand(args: CliArgs): Promise<void> {
  const { ck, model } = await loadModel(args);
  const text = decodeCorpusBytes(new Uint8Array(readFileSync(required(args, 'data'))));
  checkCorpus(text);
  const all = ck.tokenizer.encode(text);
  const tokens = Uint32Array.from(all.slice(Math.floor(all.length * 0.9)));
  const { loss, windows } = await evaluateTokens(model, tokens, num(args, 'batch', 8));
  process.stderr.write(`${windows} windows of ${ck.config.block_size} tokens from the last 10% (${tokens.length} tokens)\n`);
  // Losses of different tokenizers compare per character: nats per token / characters per token / ln 2.
  const charsPerToken = [...ck.tokenizer.decode(tokens)].length / tokens.length;
  process.stderr.write(`${charsPerToken.toFixed(4)} characters per token: ${(loss / charsPerToken / Math.LN2).toFixed(4)} bits per character\n`);
  process.stdout.write(`${loss.toFixed(4)}\n`);
}
