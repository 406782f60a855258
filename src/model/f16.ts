/**
 * The decoder's 16-bit copy of a GPT's weight matrices (training stays f32): generation reads every
 * weight once per token, so halving the weight bytes halves what each token streams from memory.
 *
 * One GPU buffer holds wte, wpe and every layer's four matrices in the packed half-precision rows
 * of src/kernels/packed16.ts, each at a 256-byte aligned offset (layout16 in buffer-plan.ts, which
 * the memory estimate adds up too). The 1-D tensors (biases, layernorm
 * gains) are ~0.1% of the bytes and stay where they are, read from the model's f32 parameters.
 * The copy is made on the GPU from the f32 parameters (pack16), so a trained model and a loaded one
 * get it the same way; or, given the host weights, on the CPU (packRows16), for a model that keeps
 * only its vectors on the GPU (GPTOptions.params = 'vectors': about half the GPU memory). A weight
 * from an F16 checkpoint goes f16 -> f32 -> f16 unchanged either way (exact).
 *
 * Storage forms (src/kernels/matvec16.ts): 'f16packed' widens u32 pairs with unpack2x16float (every
 * adapter), 'f16' reads array<f16> (shader-f16 only). Same bytes, same layout.
 */
import { createStorage } from '../gpu/buffers';
import type { Buf } from '../gpu/dispatch';
import { EngineError } from '../errors';
import { WEIGHTS_CHOICES, type WeightsChoice } from '../kernels/choice';
import { embedDecode16 } from '../kernels/embed_decode16';
import type { VocabRange } from '../kernels/encoder';
import { matvec16, storage16Runs, type Storage16 } from '../kernels/matvec16';
import { pack16 } from '../kernels/pack16';
import { packedRowWords, packRows16 } from '../kernels/packed16';
import { layout16, planWeights16, type Placed16 } from './buffer-plan';
import type { GPT, Linear } from './gpt';
import { destroyOps, submitOps, type Op } from './ops';

/** How the decoder stores its weights: 32-bit (the model's own), or a 16-bit copy in one of the two forms (defined with the device's kernel choice, which the tuner makes). */
export type DecoderWeights = WeightsChoice;

export const DECODER_WEIGHTS: readonly DecoderWeights[] = WEIGHTS_CHOICES;

/**
 * Whether every weight has a finite half: |x| < 65520 (from there binary16 rounds to Inf). A run
 * that diverged can leave last-good weights beyond it; a 16-bit copy of those would write NaN, so
 * such a model generates from its f32 weights.
 */
export function fitsF16(params: ArrayLike<number>): boolean {
  for (let i = 0; i < params.length; i++) if (!(Math.abs(params[i]!) < 65520)) return false;
  return true;
}

/** Whether `weights` can run on this device ('f16' needs shader-f16). */
export function decoderWeightsRun(device: GPUDevice, weights: DecoderWeights): boolean {
  return weights !== 'f16' || storage16Runs(device, 'f16');
}

export class Weights16 {
  readonly buffer: GPUBuffer;
  readonly storage: Storage16;
  private placed: Map<string, Placed16>;

  constructor(
    readonly model: GPT,
    weights: Exclude<DecoderWeights, 'f32'>,
    /** The weights laid out by paramLayout, to pack on the CPU; needed when the model keeps only its vectors. */
    host?: Float32Array,
  ) {
    const d = model.device;
    if (!decoderWeightsRun(d, weights)) throw new EngineError('BAD_CONFIG', "16-bit weights in the 'f16' form need the shader-f16 feature, which this adapter lacks; use 'f16packed'.");
    this.storage = weights === 'f16' ? 'f16' : 'packed';
    this.placed = layout16(model.config).placed;
    const plan = planWeights16(model.config);
    this.buffer = createStorage(d, plan.label, plan.floats * 4);
    if (host) {
      if (host.length !== model.layout.totalFloats) throw new EngineError('BAD_CHECKPOINT', `weights have ${host.length} floats but the model needs ${model.layout.totalFloats}`);
      for (const [name, t] of this.placed) {
        const spec = model.layout.byName.get(name)!;
        const words = packRows16(host.subarray(spec.offset, spec.offset + spec.size), t.rows, t.cols);
        d.queue.writeBuffer(this.buffer, t.offset, words.buffer, words.byteOffset, words.byteLength);
      }
      return;
    }
    if (model.paramsBase > 0) throw new Error('this model keeps only its vectors on the GPU: give the 16-bit copy the host weights');
    // Pack from the f32 parameters: wte one binding-sized chunk at a time, as the model binds it.
    const ops: Op[] = [];
    for (const [name, t] of this.placed) {
      if (name === 'wte.weight') for (const r of model.wteChunks) ops.push(pack16(d, this.wte(r), model.wte(r), r.hi - r.lo, t.cols));
      else ops.push(pack16(d, this.view(name), model.p(name), t.rows, t.cols));
    }
    submitOps(d, ops, 'pack16');
    destroyOps(ops); // their uniform buffers; the queue keeps what the submitted work needs
  }

  /** Bytes of the 16-bit copy (the f32 matrices it stands in for take about twice that). */
  get bytes(): number {
    return this.buffer.size;
  }

  /** The packed rows of a 2-D parameter. */
  view(name: string): Buf {
    const t = this.placed.get(name);
    if (!t) throw new Error(`no 16-bit copy of ${name}`);
    return { buffer: this.buffer, offset: t.offset, size: t.rows * packedRowWords(t.cols) * 4 };
  }

  /** The packed rows [lo, hi) of wte (offsets stay 256-byte aligned: chunks start at multiples of 64 rows). */
  wte(r: VocabRange): Buf {
    const t = this.placed.get('wte.weight')!;
    const rowBytes = packedRowWords(t.cols) * 4;
    return { buffer: this.buffer, offset: t.offset + r.lo * rowBytes, size: (r.hi - r.lo) * rowBytes };
  }

  /** The embedding of the decoded token (T = 1), or of T tokens from position 0 (the prefill), from the 16-bit wte and wpe (one dispatch per wte chunk). */
  embed(out: Buf, token: Buf, r: VocabRange, T = 1) {
    return embedDecode16(this.model.device, out, token, this.wte(r), this.view('wpe.weight'), this.model.config.n_embd, r, T);
  }

  /** A block's linear layer on the 16-bit weight (BlockOps.linear); biases from the f32 parameters. */
  linear = (x: Linear): Op => {
    return matvec16(this.model.device, { out: x.out, a: x.a, w: this.view(x.weight), bias: this.model.p(x.bias), M: x.M, K: x.K, N: x.N, gelu: x.gelu, preact: x.preact, storage: this.storage });
  };

  /** The tied head's column block for one wte chunk (recordHead's `tied`). */
  head = (out: Buf, a: Buf, r: VocabRange): Op => {
    const { n_embd: C, vocab_size: V } = this.model.config;
    return matvec16(this.model.device, { out, a, w: this.wte(r), M: 1, K: C, N: r.hi - r.lo, ldc: V, layout: 'nt', storage: this.storage });
  };

  destroy(): void {
    this.buffer.destroy();
  }
}
