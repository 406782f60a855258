/**
 * The model directory, as bytes so browser (file picker, downloads) and Node (src/node/model-dir.ts)
 * share it:
 *   model.safetensors  Hugging Face GPT-2 tensor names and Conv1D layouts, F32
 *   config.json        transformers' GPT2Config (see toHfConfig)
 *   tokenizer.json     our tokenizer description (see tokenizer.ts)
 * GPT2LMHeadModel.from_pretrained(dir) loads our exports, and we load Hugging Face's GPT-2 checkpoints.
 * This module writes the directory; checkpoint-reader.ts reads it, over bytes or a stream.
 */
import { EngineError } from '../errors';
import { checkTokenizerFits, CONFIG_FILE, MODEL_FILE, PREFIX, TOKENIZER_FILE, type Checkpoint } from './checkpoint-reader';
import { toHfConfig, validateConfig } from './config';
import { paramLayout } from './params';
import { writeSafetensors } from './safetensors';

// The reading side (every check, every transport) is checkpoint-reader.ts.
export { CONFIG_FILE, decodeCheckpoint, MODEL_FILE, TOKENIZER_FILE, type Checkpoint } from './checkpoint-reader';

/** The files of a model directory. Keys carry the `transformer.` prefix; the tied lm_head is omitted. */
export function encodeCheckpoint(ck: Checkpoint): Map<string, Uint8Array> {
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
  return new Map([
    // transformers refuses safetensors files without metadata format "pt".
    [MODEL_FILE, writeSafetensors(tensors, { format: 'pt' })],
    [CONFIG_FILE, utf8.encode(JSON.stringify(toHfConfig(ck.config), null, 2) + '\n')],
    [TOKENIZER_FILE, utf8.encode(JSON.stringify(ck.tokenizer.toJSON()) + '\n')],
  ]);
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
