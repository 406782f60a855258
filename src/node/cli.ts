/**
 * Command-line interface: `npm run cli -- <command> [options]`.
 *   train     train a GPT on a text file, save a model directory
 *   generate  sample text from a model directory
 *   logits    next-token logits after a prompt, as JSON
 *   eval      mean loss on the last 10% of a text file
 *   bench     training and decode throughput vs peers
 * The same engine as the browser, on Dawn (software Vulkan when there is no GPU).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { engineErrorCode } from '../errors';
import { runBench } from './bench';
import { evalCommand, generateCommand, logitsCommand } from './commands-infer';
import { trainCommand } from './commands-train';

const HELP = `GPT playground CLI

Usage: npm run cli -- <command> [options]

  train    --data FILE --out DIR [--layers 4 --heads 4 --embd 128 --block 64 --batch 12
           --steps 2000 --lr 1e-3 --min-lr 1e-4 --warmup 100 --weight-decay 0.1 --beta2 0.99
           --grad-clip 1 --eval-every 250 --eval-iters 20 --seed 1337 --tokenizer char|gpt2 --json]
  generate --model DIR --prompt TEXT [--max-new-tokens 200 --temperature 0.8 --top-k 0 --top-p 1 --seed 1337]
  logits   --model DIR --prompt TEXT
  eval     --model DIR --data FILE [--batch 8]
  bench    [--json] [--quick]
`;

const options = {
  data: { type: 'string' },
  out: { type: 'string' },
  model: { type: 'string' },
  prompt: { type: 'string' },
  'prompt-file': { type: 'string' },
  layers: { type: 'string' },
  heads: { type: 'string' },
  embd: { type: 'string' },
  block: { type: 'string' },
  batch: { type: 'string' },
  steps: { type: 'string' },
  lr: { type: 'string' },
  'min-lr': { type: 'string' },
  warmup: { type: 'string' },
  'weight-decay': { type: 'string' },
  beta2: { type: 'string' },
  'grad-clip': { type: 'string' },
  'eval-every': { type: 'string' },
  'eval-iters': { type: 'string' },
  seed: { type: 'string' },
  tokenizer: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  json: { type: 'boolean' },
  quick: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type CliArgs = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options, allowPositionals: true });
}

/** A numeric option: readable error for junk, default when absent. */
export function num(args: CliArgs, name: keyof CliArgs, dflt: number): number {
  const v = args[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${String(v)}'`);
  return n;
}

export function required(args: CliArgs, name: keyof CliArgs): string {
  const v = args[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function promptOf(args: CliArgs): string {
  if (typeof args['prompt-file'] === 'string') return readFileSync(args['prompt-file'], 'utf8');
  return required(args, 'prompt');
}

export class UsageError extends Error {}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(HELP);
    return command || values.help ? 0 : 2;
  }
  try {
    switch (command) {
      case 'train':
        await trainCommand(values);
        break;
      case 'generate':
        await generateCommand(values);
        break;
      case 'logits':
        await logitsCommand(values);
        break;
      case 'eval':
        await evalCommand(values);
        break;
      case 'bench':
        await runBench(values);
        break;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n\n${HELP}`);
      return 2;
    }
    const code = engineErrorCode(e);
    process.stderr.write(`error${code ? ` [${code}]` : ''}: ${(e as Error).message}\n`);
    if (!code && process.env.DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

// Dawn keeps Node alive while the GPU object exists: exit explicitly.
main().then(
  (rc) => process.exit(rc),
  (e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  },
);
