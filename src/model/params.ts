/**
 * Where every parameter lives in the one big parameter buffer (also the layout of the gradient
 * and Adam buffers), and GPT-2's initialisation.
 *
 * Names and shapes are Hugging Face GPT-2's without the `transformer.` prefix, in Conv1D layout
 * (in, out), so checkpoints copy straight in. Weight-decayed tensors come first so AdamW can
 * treat [0, decayFloats) and [decayFloats, totalFloats) as two contiguous ranges.
 */
import type { GPTConfig } from './hparams';
import { NormalRandom } from './random';

export interface TensorSpec {
  name: string;
  shape: number[];
  /** In floats; a multiple of 64 so every tensor can be bound at a 256-byte aligned offset. */
  offset: number;
  /** In floats (product of shape). */
  size: number;
  decay: boolean;
}

export interface ParamLayout {
  /** In buffer order. */
  tensors: TensorSpec[];
  byName: Map<string, TensorSpec>;
  /** All decayed tensors lie in [0, decayFloats); a multiple of 64. */
  decayFloats: number;
  /** Floats in the whole buffer, padding included; a multiple of 64. */
  totalFloats: number;
}

/** 64 floats = 256 bytes, WebGPU's largest minStorageBufferOffsetAlignment. */
const ALIGN_FLOATS = 64;

function alignFloats(n: number): number {
  return Math.ceil(n / ALIGN_FLOATS) * ALIGN_FLOATS;
}

type Shaped = [name: string, shape: number[]];

/** Decayed tensors: every 2-D one (embeddings and matrices), as nanoGPT's configure_optimizers. */
function decayedTensors(c: GPTConfig): Shaped[] {
  const C = c.n_embd;
  const list: Shaped[] = [
    ['wte.weight', [c.vocab_size, C]],
    ['wpe.weight', [c.block_size, C]],
  ];
  for (let i = 0; i < c.n_layer; i++) {
    list.push(
      [`h.${i}.attn.c_attn.weight`, [C, 3 * C]],
      [`h.${i}.attn.c_proj.weight`, [C, C]],
      [`h.${i}.mlp.c_fc.weight`, [C, 4 * C]],
      [`h.${i}.mlp.c_proj.weight`, [4 * C, C]],
    );
  }
  return list;
}

/** Not decayed: biases and layernorm gains/offsets (all 1-D). */
function undecayedTensors(c: GPTConfig): Shaped[] {
  const C = c.n_embd;
  const list: Shaped[] = [];
  for (let i = 0; i < c.n_layer; i++) {
    list.push(
      [`h.${i}.ln_1.weight`, [C]],
      [`h.${i}.ln_1.bias`, [C]],
      [`h.${i}.attn.c_attn.bias`, [3 * C]],
      [`h.${i}.attn.c_proj.bias`, [C]],
      [`h.${i}.ln_2.weight`, [C]],
      [`h.${i}.ln_2.bias`, [C]],
      [`h.${i}.mlp.c_fc.bias`, [4 * C]],
      [`h.${i}.mlp.c_proj.bias`, [C]],
    );
  }
  list.push(['ln_f.weight', [C]], ['ln_f.bias', [C]]);
  return list;
}

/** The layout for a config (which must be valid: see validateConfig). */
export function paramLayout(c: GPTConfig): ParamLayout {
  const tensors: TensorSpec[] = [];
  let offset = 0;
  const place = ([name, shape]: Shaped, decay: boolean) => {
    const size = shape.reduce((a, b) => a * b, 1);
    tensors.push({ name, shape, offset, size, decay });
    offset = alignFloats(offset + size);
  };
  for (const t of decayedTensors(c)) place(t, true);
  const decayFloats = offset;
  for (const t of undecayedTensors(c)) place(t, false);
  return { tensors, byName: new Map(tensors.map((t) => [t.name, t])), decayFloats, totalFloats: offset };
}

/**
 * GPT-2 initialisation (as nanoGPT): weights and embeddings normal(0, 0.02); the two residual
 * projections (attn.c_proj, mlp.c_proj) normal(0, 0.02/√(2·n_layer)) so the residual stream's
 * variance does not grow with depth; biases 0; layernorm weight 1, bias 0; padding 0.
 * Same seed, same parameters, on every machine (tensors are filled in layout order).
 */
export function initParams(c: GPTConfig, layout: ParamLayout, seed: number): Float32Array {
  const params = new Float32Array(layout.totalFloats);
  const rng = new NormalRandom(seed);
  const projStd = 0.02 / Math.sqrt(2 * c.n_layer);
  for (const t of layout.tensors) {
    const view = params.subarray(t.offset, t.offset + t.size);
    if (t.name.endsWith('.c_proj.weight')) {
      for (let i = 0; i < view.length; i++) view[i] = rng.normal() * projStd;
    } else if (t.decay) {
      for (let i = 0; i < view.length; i++) view[i] = rng.normal() * 0.02;
    } else if (/^(h\.\d+\.ln_[12]|ln_f)\.weight$/.test(t.name)) {
      view.fill(1);
    }
    // Biases (and layernorm biases) stay 0.
  }
  return params;
}
