/**
 * The model directory, as bytes so browser (file picker, downloads) and Node (src/node/model-dir.ts)
 * share it:
 *   model.safetensors  Hugging Face GPT-2 tensor names and Conv1D layouts, F32
 *   config.json, tokenizer.json (Hugging Face tokenizers' format), tokenizer_config.json,
 *   special_tokens_map.json, generation_config.json, README.md (with a card): see hf-files.ts
 * transformers' pipeline("text-generation", model=dir) runs on our exports, and we load Hugging
 * Face's GPT-2 checkpoints and every earlier download (the reader knows both tokenizer.json formats).
 * This module writes the directory; checkpoint-reader.ts reads it, over bytes or a stream.
 */
import { EngineError } from '../errors';
import { checkTokenizerFits, MODEL_FILE, PREFIX, readConfigAndTokenizer, type Checkpoint } from './checkpoint-reader';
import { validateConfig } from './config';
import { hfSideFiles, type ModelCard } from './hf-files';
import { paramLayout } from './params';
import { writeSafetensors } from './safetensors';

// The reading side (every check, every transport) is checkpoint-reader.ts.
export { CONFIG_FILE, decodeCheckpoint, MODEL_FILE, TOKENIZER_FILE, type Checkpoint } from './checkpoint-reader';

/** The files of a model directory. Keys carry the `transformer.` prefix; the tied lm_head is omitted. README.md only with a card. */
export function encodeCheckpoint(ck: Checkpoint, card?: ModelCard): Map<string, Uint8Array> {
  validateConfig(ck.config);
  checkTokenizerFits(ck.tokenizer, ck.config);
  const layout = paramLayout(ck.config);
  if (ck.params.length !== layout.totalFloats) {
    throw new EngineError('BAD_CONFIG', `The parameters hold ${ck.params.length} floats but this config's layout needs ${layout.totalFloats}.`);
  }
  // Model order (embeddings, layers in order, final layernorm), as a state_dict lists them.
  const tensors = [...layout.tensors]
    .sort((a, b) => tensorRank(a.name) - tensorRank(b.name))
    .map((t) => ({ name: PREFIX + t.name, shape: t.shape, data: ck.params.subarray(t.offset, t.offset + t.size) }));
  const utf8 = new TextEncoder();
  // transformers refuses safetensors files without metadata format "pt".
  const files = new Map([[MODEL_FILE, writeSafetensors(tensors, { format: 'pt' })]]);
  for (const [name, text] of hfSideFiles(ck.config, ck.tokenizer, card)) files.set(name, utf8.encode(text));
  return files;
}

/**
 * A stored model directory with its small files written anew by hfSideFiles (the weights kept as
 * they are): how a model saved with the earlier private tokenizer.json downloads in today's formats.
 */
export function withHfSideFiles(files: Map<string, Uint8Array>, card?: ModelCard): Map<string, Uint8Array> {
  const { config, tokenizer } = readConfigAndTokenizer(files);
  const out = new Map(files);
  const utf8 = new TextEncoder();
  for (const [name, text] of hfSideFiles(config, tokenizer, card)) out.set(name, utf8.encode(text));
  return out;
}

const LAYER_ORDER = ['ln_1.weight', 'ln_1.bias', 'attn.c_attn.weight', 'attn.c_attn.bias', 'attn.c_proj.weight', 'attn.c_proj.bias',
  'ln_2.weight', 'ln_2.bias', 'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias'];

/** Sort key for the state_dict order: wte, wpe, h.0.*, h.1.*, ..., ln_f. */
function tensorRank(name: string): number {
  if (name === 'wte.weight') return 0;
  if (name === 'wpe.weight') return 1;
  const m = /^h\.(\d+)\.(.+)$/.exec(name);
  if (m) return 2 + Number(m[1]) * LAYER_ORDER.length + LAYER_ORDER.indexOf(m[2]!);
  return Number.MAX_SAFE_INTEGER - (name === 'ln_f.weight' ? 1 : 0);
}
