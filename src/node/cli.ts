/**
 * Command-line interface: `npm run cli -- <command> [options]`.
 *   train     train a GPT on a text file, save a model directory
 *   generate  sample text from a model directory
 *   logits    next-token logits after a prompt, as JSON
 *   eval      mean loss on the last 10% of a text file
 * The same engine as the browser, on Dawn (software Vulkan when there is no GPU). The benchmarks
 * are not commands of the product: `npm run bench:model`, `bench:kernels`, `bench:profile` (bench/).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { engineErrorCode } from '../errors';
import { parseCliArgs, UsageError } from './args';
import { evalCommand, generateCommand, logitsCommand } from './commands-infer';
import { exportHfCommand } from './commands-export';
import { trainCommand } from './commands-train';

const HELP = `GPT playground CLI

Usage: npm run cli -- <command> [options]

  train    --data FILE --out DIR [--preset ID (default nanogpt-cpu; any option below overrides it)
           --layers 4 --heads 4 --embd 128 --block 64 --batch 12 --steps 2000 --lr 1e-3 --min-lr 1e-4
           --warmup 100 --weight-decay 0.1 --dropout 0 --beta2 0.99 --grad-clip 1 --eval-every 250
           --eval-iters 20 --sample 0 (characters sampled at each evaluation) --seed 1337 --json
           --probe (score the first 256 validation tokens at each evaluation: mean −log p of the true next token)
           --tokenizer char|gpt2|bpe (bpe: a byte-level BPE learned from the text) --vocab 4096 (its size, 256-16384)
           --max-seconds 0 (stop after this much time and save; 0: no limit)]
  generate --model DIR --prompt TEXT [--max-new-tokens 200 --temperature 0.8 --top-k 0 --top-p 1 --seed 1337
           --weights f32|f16packed|f16 (the decoder's weights; 16-bit: half the bytes a token reads)]
  logits   --model DIR --prompt TEXT
  eval     --model DIR --data FILE [--batch 8]
  export-hf --model DIR --out DIR [--dtype f16|f32]   Hugging Face's layout (transformer. keys, mask buffers, F16)

--model takes a model directory, a .zip downloaded from the page (Models tab), or the URL of a model
folder (https://…/folder/ holding config.json and model.safetensors, or a huggingface.co model page).

Benchmarks: npm run bench:model [-- --json --quick], npm run bench:kernels, npm run bench:profile
`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseCliArgs(process.argv.slice(2));
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
      case 'export-hf':
        await exportHfCommand(values);
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

/** True when this module is the program node was started with (not merely imported by another module). */
function isEntryModule(): boolean {
  const script = process.argv[1];
  return script !== undefined && realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
}

// Dawn keeps Node alive while the GPU object exists: exit explicitly.
if (isEntryModule()) {
  main().then(
    (rc) => process.exit(rc),
    (e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
