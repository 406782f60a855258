/**
 * The CLI's options and the helpers its commands read them with. A module of its own so that the
 * commands and the entry point (cli.ts) both import it and never each other.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/** The options that take a value (all read as strings: `num` parses the numeric ones). */
const VALUE_OPTIONS = [
  'data', 'out', 'model', 'prompt', 'prompt-file', 'tokenizer', 'vocab', 'max-seconds', 'preset',
  'layers', 'heads', 'embd', 'block', 'batch', 'steps', 'lr', 'min-lr', 'warmup', 'weight-decay', 'beta2',
  'grad-clip', 'dropout', 'eval-every', 'eval-iters', 'sample', 'seed', 'max-new-tokens', 'temperature', 'top-k', 'top-p', 'dtype', 'weights',
] as const;

const options = {
  ...(Object.fromEntries(VALUE_OPTIONS.map((name) => [name, { type: 'string' }])) as Record<(typeof VALUE_OPTIONS)[number], { type: 'string' }>),
  json: { type: 'boolean' },
  probe: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The command line split into options and positionals (the command); throws on an unknown option. */
export function parseCliArgs(argv: string[]) {
  return parseArgs({ args: argv, options, allowPositionals: true });
}

export type CliArgs = ReturnType<typeof parseCliArgs>['values'];

/** Bad command-line input: the CLI prints the message and the usage, and exits with status 2. */
export class UsageError extends Error {}

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

/** The prompt: the text of --prompt-file if given, else --prompt (required). */
export function promptOf(args: CliArgs): string {
  if (typeof args['prompt-file'] === 'string') return readFileSync(args['prompt-file'], 'utf8');
  return required(args, 'prompt');
}
