/**
 * The batched prefill of a decoder's KV cache (Decoder.fill): a B = 1 forward over the tokens
 * 0..T-1 through the block sequence (GPT.recordBlock, causal attention over the T rows as in
 * training's forward), each layer's keys and values stored into its cache rows 0..T-1 (kv_store)
 * right after its c_attn wrote them: the rows T decode steps would have written, for one pass
 * over the weights instead of T. No head and no read-back: one encoder, one submit.
 *
 * A 16-bit decoder passes its Weights16 (src/model/f16.ts): the embedding then comes from the
 * 16-bit wte and wpe (embedDecode16 over T rows) and every linear layer from the 16-bit matrices
 * (matvec16 with M = T, which reads each matrix once per tile of rows), so the rows are those its
 * own decode steps write; the rest (layernorm, attention, residual, kv_store) is the f32 path's.
 * Only the model's vectors are read from its f32 parameters then, so this runs on a model that
 * keeps nothing else (GPTOptions params 'vectors').
 *
 * The T rows' activations are one set shared by every block (a block's output alternates between
 * two buffers so it never aliases its input), made for this call and freed once it is submitted.
 * Letters: T rows, C channels, NH heads.
 */
import { createStorage } from '../gpu/buffers';
import type { Buf } from '../gpu/dispatch';
import { attentionForward } from '../kernels/attention';
import { encoderForward } from '../kernels/encoder';
import { kvStore } from '../kernels/kv_store';
import { residualForward } from '../kernels/residual';
import type { GPTConfig } from './config';
import type { Weights16 } from './f16';
import type { GPT } from './gpt';
import { destroyOps, submitOps, type Op } from './ops';

/** One layer's KV cache: keys and values (maxT, C), heads side by side. */
export interface KVCache {
  k: GPUBuffer;
  v: GPUBuffer;
}

/** Whether the prefill's largest buffer, the (T, 4C) MLP rows, fits one storage binding (it makes no (T, V) logits). */
export function prefillFits(c: GPTConfig, limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize'>, T: number): boolean {
  return T * 4 * c.n_embd * 4 <= limits.maxStorageBufferBindingSize;
}

/** Fills rows 0..tokens.length-1 of every layer's cache from `tokens` (submits; no read-back), from `w16`'s weights when given. */
export function prefillCache(model: GPT, caches: readonly KVCache[], tokens: readonly number[], w16?: Weights16): void {
  const d = model.device;
  const { n_layer: L, n_embd: C, n_head: NH } = model.config;
  const T = tokens.length;
  if (T === 0) return;
  if (caches.length !== L) throw new Error(`prefill: ${caches.length} caches for ${L} layers`);
  if (w16 && w16.model !== model) throw new Error('prefill: the 16-bit weights are of another model');
  if (!prefillFits(model.config, d.limits, T)) throw new Error(`prefill: ${T} rows of ${4 * C} floats exceed one storage binding (use decode steps: Decoder.fill)`);
  const bufs: GPUBuffer[] = [];
  const mk = (label: string, floats: number) => {
    const buf = createStorage(d, `prefill.${label}`, floats * 4);
    bufs.push(buf);
    return buf;
  };
  const b = (buffer: GPUBuffer): Buf => ({ buffer });
  const tokensBuf = mk('tokens', T);
  d.queue.writeBuffer(tokensBuf, 0, new Uint32Array(tokens));
  const encoded = mk('encoded', T * C);
  const ln = mk('ln', T * C), mean = mk('mean', T), rstd = mk('rstd', T);
  const x = {
    ln1: ln, ln1Mean: mean, ln1Rstd: rstd, ln2: ln, ln2Mean: mean, ln2Rstd: rstd,
    qkv: mk('qkv', T * 3 * C), atty: mk('atty', T * C), lse: mk('lse', NH * T), scratch: mk('scratch', T * C),
    res2: mk('res2', T * C), fchGelu: mk('fch_gelu', T * 4 * C),
  };
  const res3 = [mk('res3.a', T * C), mk('res3.b', T * C)];
  const ops: Op[] = [];
  for (const r of model.wteChunks) ops.push(w16 ? w16.embed(b(encoded), b(tokensBuf), r, T).dispatch : encoderForward(d, b(encoded), b(tokensBuf), model.wte(r), model.p('wpe.weight'), 1, T, C, r));
  let input = encoded;
  for (let l = 0; l < L; l++) {
    const out = res3[l % 2]!;
    const cache = caches[l]!;
    ops.push(
      ...model.recordBlock(l, { ...x, input, res3: out }, T, {
        attention: (qkv, atty, lse) => attentionForward(d, atty, lse!, qkv, 1, T, C, NH, { variant: model.kernels.attention }),
        residual: (o, inp, branch) => residualForward(d, o, inp, branch, T * C),
        linear: w16?.linear,
        tap: (stage) => (stage === 'c_attn' ? [kvStore(d, b(cache.k), b(cache.v), b(x.qkv), T, C)] : []),
      }),
    );
    input = out;
  }
  try {
    submitOps(d, ops, 'prefill');
  } finally {
    destroyOps(ops); // their uniform buffers, and the activations: the queue keeps what the submitted work needs
    for (const buf of bufs) buf.destroy();
  }
}
