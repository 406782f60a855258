/**
 * The peer of the model benchmark: one GPT-2 training step written with TensorFlow.js's WebGPU
 * backend, on the same adapter as our engine (`npm run bench:model`, bench/model.ts). Its loader
 * also serves the kernel benchmark (bench/kernels.ts).
 *
 * Same math as src/model/gpt.ts + trainer.ts, written the way a TensorFlow.js user would:
 * token + position embedding; L pre-norm blocks [layernorm (eps 1e-5) -> fused qkv linear ->
 * causal multi-head attention (scores + additive mask, softmax) -> projection -> residual ->
 * layernorm -> 4C linear -> tanh GELU -> C linear -> residual]; final layernorm; head tied to wte;
 * mean softmax cross-entropy. Gradients by tf.variableGrads, clipped to a global norm, then AdamW
 * as torch.optim.AdamW: decayed weights (2-D tensors) are scaled by (1 - lr·wd) and tf.train.adam
 * applies the Adam step (the Adam update does not read the weights, so the order is exact).
 *
 * Weights come from the same flat buffer as ours (paramLayout order, Conv1D (in, out) layout), so
 * the first step's loss of both on the same batch agrees: a check that the two do the same work.
 *
 * TensorFlow.js is loaded lazily (only when a benchmark starts its peer), and its WebGPU
 * backend registers itself only when `navigator.gpu` exists at import time.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { GPTConfig } from '../src/model/config';
import type { ParamLayout } from '../src/model/params';

type Tf = typeof TF;

export interface TfjsHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global-norm clip; 0 disables. */
  gradClip: number;
}

let tfPromise: Promise<{ tf: Tf; adapter: string }> | undefined;

/**
 * Loads TensorFlow.js with its WebGPU backend on `gpu` (in Node: Dawn's GPU object, the one our
 * engine uses). Idempotent.
 */
export function loadTfjsWebgpu(gpu: GPU): Promise<{ tf: Tf; adapter: string }> {
  tfPromise ??= (async () => {
    const g = globalThis as { navigator?: { gpu?: GPU } };
    if (!g.navigator?.gpu) {
      // Node 21+ defines a read-only globalThis.navigator: define the property instead of assigning.
      Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu }, configurable: true, writable: true });
    }
    const tf = (await import('@tensorflow/tfjs-core')) as Tf;
    await import('@tensorflow/tfjs-backend-webgpu');
    await import('../node_modules/@tensorflow/tfjs-core/dist/register_all_gradients');
    if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js could not initialise its WebGPU backend');
    await tf.ready();
    // The backend keeps the adapter info it was created with (not part of its typed API).
    const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
    return { tf, adapter: [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'unknown' };
  })();
  return tfPromise;
}

let instance = 0;

/**
 * Sum of many scalars. tf.addN binds every input at once, and the WebGPU backend keeps the default
 * limit of 8 storage buffers per shader stage: add at most 7 at a time.
 */
function sumScalars(tf: Tf, xs: TF.Tensor[]): TF.Tensor {
  let level = xs;
  while (level.length > 1) {
    const next: TF.Tensor[] = [];
    for (let i = 0; i < level.length; i += 7) {
      const group = level.slice(i, i + 7);
      next.push(group.length === 1 ? group[0]! : tf.addN(group));
    }
    level = next;
  }
  return level[0]!;
}

/** A GPT-2 with its Adam state, trained one synced step at a time. */
export class TfjsGpt {
  private readonly vars = new Map<string, TF.Variable>();
  private readonly decayed: TF.Variable[] = [];
  private readonly mask: TF.Tensor2D; // (T, T): 0 on and below the diagonal, -1e9 above
  private readonly optimizer: TF.AdamOptimizer;
  private readonly prefix: string;

  constructor(
    private readonly tf: Tf,
    readonly config: GPTConfig,
    layout: ParamLayout,
    weights: Float32Array,
    readonly B: number,
    readonly T: number,
    private readonly hyper: TfjsHyper,
  ) {
    if (T > config.block_size) throw new Error(`T ${T} exceeds the block size ${config.block_size}`);
    this.prefix = `tfjs_gpt${instance++}/`;
    for (const t of layout.tensors) {
      const data = weights.subarray(t.offset, t.offset + t.size);
      const init = tf.tensor(data, t.shape, 'float32');
      const v = tf.variable(init, true, this.prefix + t.name);
      init.dispose(); // the variable keeps the data (shared, reference-counted)
      this.vars.set(t.name, v);
      if (t.decay) this.decayed.push(v);
    }
    const m = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
    this.mask = tf.tensor2d(m, [T, T]);
    this.optimizer = tf.train.adam(hyper.lr, hyper.beta1, hyper.beta2, hyper.eps);
  }

  private w(name: string): TF.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no tensor ${name}`);
    return v;
  }

  private layernorm(x: TF.Tensor2D, prefix: string): TF.Tensor2D {
    const tf = this.tf;
    const { mean, variance } = tf.moments(x, -1, true);
    const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
    return tf.add(tf.mul(xhat, this.w(prefix + '.weight')), this.w(prefix + '.bias')) as TF.Tensor2D;
  }

  private linear(x: TF.Tensor2D, prefix: string): TF.Tensor2D {
    return this.tf.fused.matMul({ a: x, b: this.w(prefix + '.weight'), bias: this.w(prefix + '.bias') }) as TF.Tensor2D;
  }

  /** GPT-2's tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
  private gelu(x: TF.Tensor2D): TF.Tensor2D {
    const tf = this.tf;
    const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as TF.Tensor2D;
  }

  /** Mean cross-entropy of a (B, T) batch: a scalar. */
  private loss(tokens: TF.Tensor1D, targets: TF.Tensor1D): TF.Scalar {
    const tf = this.tf;
    const { n_layer: L, n_head: NH, n_embd: C, vocab_size: V } = this.config;
    const { B, T } = this;
    const N = B * T;
    const HS = C / NH;
    const pos = tf.slice(this.w('wpe.weight'), [0, 0], [T, C]);
    let x = tf.reshape(tf.add(tf.reshape(tf.gather(this.w('wte.weight'), tokens), [B, T, C]), pos), [N, C]) as TF.Tensor2D;
    const heads = (t: TF.Tensor) => tf.transpose(tf.reshape(t, [B, T, NH, HS]), [0, 2, 1, 3]); // (B, NH, T, HS)
    for (let l = 0; l < L; l++) {
      const h = `h.${l}.`;
      const qkv = this.linear(this.layernorm(x, h + 'ln_1'), h + 'attn.c_attn');
      const [q, k, v] = tf.split(qkv, 3, 1) as [TF.Tensor2D, TF.Tensor2D, TF.Tensor2D];
      const scores = tf.add(tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(HS)), this.mask);
      const y = tf.matMul(tf.softmax(scores), heads(v)); // (B, NH, T, HS)
      const atty = tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [N, C]) as TF.Tensor2D;
      x = tf.add(x, this.linear(atty, h + 'attn.c_proj'));
      const fc = this.gelu(this.linear(this.layernorm(x, h + 'ln_2'), h + 'mlp.c_fc'));
      x = tf.add(x, this.linear(fc, h + 'mlp.c_proj'));
    }
    const logits = tf.matMul(this.layernorm(x, 'ln_f'), this.w('wte.weight'), false, true); // (N, V)
    return tf.losses.softmaxCrossEntropy(tf.cast(tf.oneHot(targets, V), 'float32'), logits) as TF.Scalar;
  }

  /** One optimisation step on (B, T) tokens and next-token targets. SYNC POINT: reads back the loss. */
  async step(x: Uint32Array, y: Uint32Array): Promise<number> {
    const tf = this.tf;
    const tokens = tf.tensor1d(Int32Array.from(x), 'int32');
    const targets = tf.tensor1d(Int32Array.from(y), 'int32');
    const varList = [...this.vars.values()];
    const { value, grads } = tf.variableGrads(() => this.loss(tokens, targets), varList);
    const { lr, weightDecay, gradClip } = this.hyper;
    tf.tidy(() => {
      let update: TF.NamedTensorMap = grads;
      if (gradClip > 0) {
        const normSq = sumScalars(tf, Object.values(grads).map((g) => tf.sum(tf.square(g))));
        const clip = tf.minimum(1, tf.div(gradClip, tf.add(tf.sqrt(normSq), 1e-6)));
        update = Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, clip)]));
      }
      if (weightDecay > 0) for (const v of this.decayed) v.assign(tf.mul(v, 1 - lr * weightDecay));
      this.optimizer.applyGradients(Object.entries(update).map(([name, tensor]) => ({ name, tensor })));
    });
    const loss = (await value.data())[0]!;
    tf.dispose([value, tokens, targets, ...Object.values(grads)]);
    return loss;
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.mask.dispose();
  }
}
