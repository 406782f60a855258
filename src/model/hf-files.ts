/**
 * The small files of a model directory, as Hugging Face's libraries read them, so that
 * `pipeline("text-generation", model=folder)` runs on a download as it is:
 *   config.json               GPT2Config; bos/eos are <|endoftext|> or null (never outside the vocabulary)
 *   tokenizer.json            the tokenizers library's format (hf-tokenizer.ts)
 *   tokenizer_config.json     which transformers class reads tokenizer.json, and that decoding must not
 *                             "clean up" spaces (it would turn "a ," into "a," and differ from our text)
 *   special_tokens_map.json   GPT-2's <|endoftext|> (a character vocabulary has no special token)
 *   generation_config.json    the ids generation starts and stops at
 *   README.md                 a model card with Hugging Face's YAML header (when a card is given)
 * The weights (model.safetensors) are written by checkpoint.ts or the CLI's export.
 */
import { CONFIG_FILE, TOKENIZER_FILE } from './checkpoint-reader';
import { toHfConfig, type GPTConfig } from './config';
import { GPT2_EOT_TEXT } from './hf-tokenizer';
import type { Tokenizer } from './tokenizer';

export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
export const SPECIAL_TOKENS_FILE = 'special_tokens_map.json';
export const GENERATION_CONFIG_FILE = 'generation_config.json';
export const MODEL_CARD_FILE = 'README.md';

/** What the model card says about a model beyond its config and tokenizer (each field when known). */
export interface ModelCard {
  name: string;
  /** The training text's name (a file name or a shipped corpus). */
  corpus?: string;
  step?: number;
  totalSteps?: number;
  valLoss?: number;
  /** How the weights came to be: trained here (the page or the CLI), imported, or converted by the CLI's export-hf. */
  source: 'page' | 'cli' | 'imported' | 'export-hf';
}

/** <|endoftext|>'s id in this tokenizer's vocabulary, or null when it has none. */
function eotIdOf(tokenizer: Tokenizer): number | null {
  return 'eotId' in tokenizer && typeof tokenizer.eotId === 'number' ? tokenizer.eotId : null;
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** The files above, as text by name; `extraConfig` adds fields to config.json (the export's torch_dtype). */
export function hfSideFiles(config: GPTConfig, tokenizer: Tokenizer, card?: ModelCard, extraConfig: Record<string, unknown> = {}): Map<string, string> {
  const eot = eotIdOf(tokenizer);
  const special = eot === null ? {} : { bos_token: GPT2_EOT_TEXT, eos_token: GPT2_EOT_TEXT, unk_token: GPT2_EOT_TEXT };
  const files = new Map<string, string>([
    [CONFIG_FILE, json({ ...toHfConfig(config, eot), ...extraConfig })],
    // One line: GPT-2's file is 1.3 MB of vocabulary and merges, indenting it would add a third.
    [TOKENIZER_FILE, `${JSON.stringify(tokenizer.toHfJSON())}\n`],
    [
      TOKENIZER_CONFIG_FILE,
      json({ tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: config.block_size, clean_up_tokenization_spaces: false, ...special }),
    ],
    [GENERATION_CONFIG_FILE, json({ bos_token_id: eot, eos_token_id: eot })],
  ]);
  if (eot !== null) files.set(SPECIAL_TOKENS_FILE, json(special));
  if (card) files.set(MODEL_CARD_FILE, modelCard(config, tokenizer, card));
  return files;
}

const HOW = {
  page: 'in a web browser with WebGPU GPT Playground (hand-written WGSL kernels on WebGPU, AdamW)',
  cli: "with WebGPU GPT Playground's command line (the browser's WGSL kernels on WebGPU through Dawn, AdamW)",
  imported: 'elsewhere and imported into WebGPU GPT Playground',
  'export-hf': "elsewhere (see the model it was converted from); WebGPU GPT Playground's CLI wrote it in Hugging Face's GPT-2 layout",
} as const;

/** A YAML string: JSON's quoting is valid YAML and escapes everything a name may hold. */
const yamlString = (s: string) => JSON.stringify(s);

/** README.md: Hugging Face's card metadata (YAML front matter), then what the model is and how to run it. */
export function modelCard(config: GPTConfig, tokenizer: Tokenizer, card: ModelCard): string {
  const tokenizerWords = {
    gpt2: "GPT-2's byte-level BPE (50257 tokens)",
    bpe: `a byte-level BPE learned from the training text (${tokenizer.vocabSize} tokens)`,
    char: `characters (${tokenizer.vocabSize} in the vocabulary, one token each)`,
  }[tokenizer.kind];
  const steps = card.step === undefined ? undefined : card.totalSteps ? `${card.step} of ${card.totalSteps}` : `${card.step}`;
  const meta = [
    '---',
    'library_name: transformers',
    'pipeline_tag: text-generation',
    '# Choose a license before sharing this model; "other" says none was chosen.',
    'license: other',
    'tags:',
    '- gpt2',
    '- webgpu-gpt-playground',
    ...(card.corpus ? [`training_corpus: ${yamlString(card.corpus)}`] : []),
    ...(card.step !== undefined ? [`training_steps: ${card.step}`] : []),
    ...(card.valLoss !== undefined ? [`val_loss: ${round(card.valLoss)}`] : []),
    `tokenizer: ${{ gpt2: 'gpt2-bpe', bpe: 'learned-byte-level-bpe', char: 'character' }[tokenizer.kind]}`,
    `trained_with: ${yamlString(`WebGPU GPT Playground (${card.source})`)}`,
    '---',
  ];
  const rows: [string, string][] = [
    ['Architecture', `GPT-2: ${config.n_layer} layers, ${config.n_head} heads, ${config.n_embd} embedding, context ${config.block_size} tokens`],
    ['Tokenizer', tokenizerWords],
    ...(card.corpus ? [['Training text', card.corpus] as [string, string]] : []),
    ...(steps ? [['Training steps', steps] as [string, string]] : []),
    ...(card.valLoss !== undefined ? [['Validation loss', `${round(card.valLoss)} (cross-entropy, nats per token)`] as [string, string]] : []),
  ];
  const body = [
    '',
    `# ${card.name.replace(/[\r\n]+/g, ' ')}`,
    '',
    `A small GPT-2 language model trained ${HOW[card.source]}.`,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
    '',
    '## Use it with transformers',
    '',
    '```python',
    'from transformers import pipeline',
    '',
    'generate = pipeline("text-generation", model="path/to/this/folder")',
    `print(generate(${JSON.stringify(examplePrompt(tokenizer))}, max_new_tokens=50, do_sample=False)[0]["generated_text"])`,
    '```',
    '',
  ];
  return [...meta, ...body].join('\n');
}

/** A prompt the vocabulary can spell: a character model knows only its training text's characters. */
function examplePrompt(tokenizer: Tokenizer): string {
  if (tokenizer.kind !== 'char') return 'Once upon a time'; // a byte-level BPE spells any text
  for (let id = 0; id < tokenizer.vocabSize; id++) if (/\p{L}/u.test(tokenizer.decode([id]))) return tokenizer.decode([id]);
  return tokenizer.decode([0]);
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
