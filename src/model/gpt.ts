/**
 * GPT-2 on WebGPU: buffers, and the forward/backward programs recorded from the kernel library.
 *
 * Reads top to bottom in data-flow order, like nanoGPT's model.py; the backward pass is the forward
 * pass read in reverse (llm.c's gpt2_backward). Letters: B batch, T time, C channels, V vocab,
 * L layers, NH heads, N = B*T rows. Linear layers use Hugging Face's Conv1D layout, W (in, out):
 * y = x·W + b, so checkpoints map one to one.
 *
 * Memory: parameters, gradients, the two AdamW moments and the last good weights are one buffer
 * each, reached through named views (src/model/params.ts). Activations are allocated per (B, T)
 * shape, once. Which buffers, and their sizes, is data (src/model/buffer-plan.ts): the memory
 * estimate adds up the same plan.
 *
 * The token embedding wte (V, C) is used in row chunks that each fit one storage binding
 * (`wteChunks`): GPT-2 small's 147 MiB wte exceeds the 128 MiB binding of many adapters (lavapipe's
 * included), so its embedding lookup, tied head and their gradients run one dispatch per chunk, the
 * head writing and reading column blocks of the (N, V) logits (matmul's lda/ldc). One chunk, the
 * whole vocabulary, wherever it fits.
 *
 * Dropout (training only, nanoGPT's four sites: after the embedding sum, on the attention weights,
 * after each c_proj) is a recording option, not part of the config. Masks are regenerated from a
 * per-step seed buffer (acts.seed) and a stream id per site (`dropoutStream`), never stored; with
 * p = 0 the recorded program is exactly the one without dropout.
 */
import { createStorage } from '../gpu/buffers';
import type { Buf, Dispatch } from '../gpu/dispatch';
import { EngineError } from '../errors';
import { attentionBackward, attentionForward } from '../kernels/attention';
import { crossEntropy } from '../kernels/crossentropy';
import { encoderBackwardWpe, encoderBackwardWte, encoderForward, type VocabRange } from '../kernels/encoder';
import { geluBackward } from '../kernels/gelu';
import { layernormBackward, layernormForward } from '../kernels/layernorm';
import { kernelChoice, type KernelChoice } from '../kernels/choice';
import { matmul, type MatmulArgs } from '../kernels/matmul';
import { dropoutBackward, dropoutForward } from '../kernels/dropout';
import { columnSum, sumReduce } from '../kernels/reduce';
import { residualForward } from '../kernels/residual';
import { allocatePlan, planActivations, planModel, type ActivationBuffers, type LayerActs, type ParamsKept } from './buffer-plan';
import { validateConfig, type GPTConfig } from './config';
import type { Op } from './ops';
import { paramLayout, type ParamLayout } from './params';

const F = 4; // bytes per float

/** A buffer a block binds: a whole GPU buffer, or a range of one (the trace writes into ranges of its capture). */
export type Binding = GPUBuffer | Buf;

/** The range a Binding names. */
export function bound(x: Binding): Buf {
  return 'buffer' in x ? x : { buffer: x };
}

/**
 * What one block reads and writes (recordBlock): a layer's activations, its input and the scratch
 * its c_proj outputs pass through. The decoder shares one ln/mean/rstd between ln_1 and ln_2 and
 * keeps no pre-activation (fch) and no lse: it has no backward pass.
 */
export interface BlockBuffers extends Omit<LayerActs<Binding>, 'fch' | 'lse'> {
  input: Binding; // (N, C)
  scratch: Binding; // (N, C)
  /** Where the MLP's c_proj writes (N, C); default `scratch` (the trace keeps both branches). */
  mlpScratch?: Binding;
  fch?: Binding;
  lse?: Binding;
}

/** How a block attends and adds its branches: the forward's and the decoder's differ only here. */
export interface BlockOps {
  /** The heads' output atty (N, C) from qkv (N, 3C); lse when the block keeps it (training). */
  attention(qkv: Buf, atty: Buf, lse?: Buf): Op[];
  /** out = inp + branch. */
  residual(out: Buf, inp: Buf, branch: Buf, site: 'attn_resid' | 'mlp_resid'): Op;
  /** A linear layer; default matmul on the f32 parameters (the decoder's 16-bit weights swap theirs in: src/model/f16.ts). */
  linear?(l: Linear): Op;
  /**
   * Optional capture hook: ops recorded right after `stage` wrote its output, before anything
   * overwrites it (the "How it works" trace copies rows out; src/model/trace.ts). Absent: nothing.
   */
  tap?(stage: BlockStage): Op[];
}

/** y (M, N) = x (M, K) · W + b (GELU on top with `gelu`): a linear layer named by its parameters. */
export interface Linear {
  out: Buf;
  a: Buf;
  /** Parameter names, e.g. 'h.0.attn.c_attn.weight' (K, N) and its bias (N). */
  weight: string;
  bias: string;
  M: number;
  K: number;
  N: number;
  gelu?: boolean;
  /** With gelu: also keep acc + bias (N, ...) for the backward pass. */
  preact?: Buf;
}

/** The stages of a block, in order, as BlockOps.tap names them (each after its output is written). */
export type BlockStage = 'ln_1' | 'c_attn' | 'attn' | 'attn_proj' | 'attn_resid' | 'ln_2' | 'c_fc' | 'mlp_proj' | 'mlp_resid';

/** What the head reads and writes: the last block's output, ln_f's outputs and the logits (N, V). */
export interface HeadBuffers {
  input: Binding;
  lnf: Binding;
  lnfMean: Binding;
  lnfRstd: Binding;
  logits: GPUBuffer;
}

/** All buffers of one (B, T) shape (planActivations in buffer-plan.ts), with the shape and the list to destroy. */
export interface Activations extends ActivationBuffers {
  B: number;
  T: number;
  all: GPUBuffer[];
}

export interface GPTOptions {
  /** Allocate gradients, AdamW moments and the last good weights (training). Inference needs none. */
  training?: boolean;
  /**
   * Largest storage binding to use, in bytes: default the device's maxStorageBufferBindingSize.
   * Smaller values split wte into more chunks (tests exercise the split path with small models).
   */
  maxBindingBytes?: number;
  /**
   * 'vectors': only the 1-D parameters (biases, layernorm gains, the layout's tail from decayFloats)
   * live on the GPU, for a model that generates from a 16-bit copy of its matrices made from host
   * weights (src/model/f16.ts) and never trains: about half the GPU memory. Default 'all'.
   */
  params?: ParamsKept;
  /** Which kernels to record, fixed: default the device's choice at each recording (see GPT.kernels). */
  kernels?: KernelChoice;
}

/** Recording options of a training pass. Eval and inference ('eval', 'none') never drop. */
export interface RecordOptions {
  /** nanoGPT's dropout rate in [0, 1); default 0. recordBackward must get the forward's. */
  dropout?: number;
}

/**
 * Stream id of each dropout site, so that every site draws its own mask from the step's seed:
 * the embedding, then per layer l the attention weights, the attention c_proj output and the MLP
 * c_proj output. src/reference/gpt.ts numbers them the same way.
 */
export function dropoutStream(site: 'embedding' | 'attn' | 'attn_resid' | 'mlp_resid', layer = 0): number {
  return site === 'embedding' ? 0 : 1 + 3 * layer + ['attn', 'attn_resid', 'mlp_resid'].indexOf(site);
}

export class GPT {
  readonly layout: ParamLayout;
  readonly params: GPUBuffer;
  readonly grads?: GPUBuffer;
  readonly m?: GPUBuffer;
  readonly v?: GPUBuffer;
  /** The weights of the last step whose loss was finite (the Trainer's backup). */
  readonly lastGood?: GPUBuffer;
  /** Row ranges of wte that each fit one storage binding, in order; [[0, V)] when it all fits. */
  readonly wteChunks: VocabRange[];
  /** Floats of the layout before `params` starts: 0, or decayFloats when only the vectors are kept (GPTOptions.params). */
  readonly paramsBase: number;
  /** GPTOptions.kernels, when given. */
  private readonly fixedKernels?: KernelChoice;
  private owned: GPUBuffer[] = [];
  private version = 0;

  /**
   * The kernels this model records from now on: GPTOptions.kernels, else the device's KernelChoice
   * as it is now (src/kernels/choice.ts). A program recorded earlier keeps the kernels it was
   * recorded with; the decoder re-records when the device's choice moves on (kernelChoiceVersion).
   */
  get kernels(): KernelChoice {
    return this.fixedKernels ? { ...this.fixedKernels } : kernelChoice(this.device);
  }

  constructor(
    readonly device: GPUDevice,
    readonly config: GPTConfig,
    opts: GPTOptions = {},
  ) {
    validateConfig(config, device.limits);
    this.layout = paramLayout(config);
    this.wteChunks = wteChunks(config, opts.maxBindingBytes ?? device.limits.maxStorageBufferBindingSize);
    this.fixedKernels = opts.kernels && { ...opts.kernels };
    this.paramsBase = opts.params === 'vectors' ? this.layout.decayFloats : 0;
    // With params 'vectors' the weights buffer holds the layout's tail only (planModel says so).
    const bufs = allocatePlan(planModel(config, opts.training ?? false, opts.params), (s) => this.alloc(s.label, s.floats * F));
    this.params = bufs.params;
    this.grads = bufs.grads;
    this.m = bufs.m;
    this.v = bufs.v;
    this.lastGood = bufs.lastGood;
  }

  /** Uploads weights laid out by `paramLayout(config)`. */
  setWeights(weights: Float32Array): void {
    if (weights.length !== this.layout.totalFloats) {
      throw new EngineError('BAD_CHECKPOINT', `weights have ${weights.length} floats but the model needs ${this.layout.totalFloats}`);
    }
    const kept = weights.subarray(this.paramsBase);
    this.device.queue.writeBuffer(this.params, 0, kept.buffer, kept.byteOffset, kept.byteLength);
    this.version++;
  }

  /**
   * Counts the changes of the weights (setWeights, and the Trainer's steps and restores through
   * weightsChanged): keys and values a decoder cached from an older count are stale (Decoder.holds).
   */
  get weightsVersion(): number {
    return this.version;
  }

  /** Says that the weights changed other than by setWeights (an optimiser step, a restore). */
  weightsChanged(): void {
    this.version++;
  }

  /** Named view of a parameter tensor, e.g. 'h.0.attn.c_attn.weight'. */
  p(name: string): Buf {
    return this.view(this.params, name);
  }

  /** Named view of a gradient tensor. */
  g(name: string): Buf {
    if (!this.grads) throw new Error('model was created without training buffers');
    return this.view(this.grads, name);
  }

  /** The rows [lo, hi) of wte (of `which`: the parameters or their gradient). */
  wte(range: VocabRange, which: 'params' | 'grads' = 'params'): Buf {
    const buffer = which === 'params' ? this.params : this.grads;
    if (!buffer) throw new Error('model was created without training buffers');
    const C = this.config.n_embd;
    const t = this.layout.byName.get('wte.weight')!;
    if (this.paramsBase > 0) throw new Error('wte is not on the GPU: this model keeps only its vectors');
    return { buffer, offset: (t.offset + range.lo * C) * F, size: (range.hi - range.lo) * C * F };
  }

  /** A matmul with this model's kernel choice. */
  private mm(args: Omit<MatmulArgs, 'choice'>): Op {
    return matmul(this.device, { ...args, choice: this.kernels });
  }

  private view(buffer: GPUBuffer, name: string): Buf {
    const t = this.layout.byName.get(name);
    if (!t) throw new Error(`no parameter named ${name}`);
    const base = buffer === this.params ? this.paramsBase : 0;
    if (t.offset < base) throw new Error(`${name} is not on the GPU: this model keeps only its vectors (its matrices are 16-bit, in the decoder)`);
    return { buffer, offset: (t.offset - base) * F, size: t.size * F };
  }

  private alloc(label: string, bytes: number): GPUBuffer {
    const b = createStorage(this.device, label, bytes);
    this.owned.push(b);
    return b;
  }

  /** Allocates every buffer one (B, T) batch needs (planActivations). */
  allocActivations(B: number, T: number, training: boolean): Activations {
    if (T > this.config.block_size) throw new EngineError('BAD_CONFIG', `sequence length ${T} exceeds the block size ${this.config.block_size}`);
    validateConfig(this.config, this.device.limits, B, T); // the (B, T) buffers fit, before any is made
    const all: GPUBuffer[] = [];
    const bufs = allocatePlan(planActivations(this.config, B, T, training), (s) => {
      const b = createStorage(this.device, s.label, s.floats * F);
      all.push(b);
      return b;
    });
    return { ...bufs, B, T, all };
  }

  /** The dropout of a pass: undefined when off (p = 0, or not a training pass). */
  private dropoutOf(a: Activations, loss: 'none' | 'eval' | 'train', opts: RecordOptions): { p: number; seed: Buf } | undefined {
    const p = opts.dropout ?? 0;
    if (!(p >= 0 && p < 1)) throw new EngineError('BAD_CONFIG', `dropout must be in [0, 1), got ${p}`);
    if (p === 0 || loss !== 'train') return undefined;
    if (!a.seed) throw new Error('dropout needs activations allocated for training (the seed buffer)');
    return { p, seed: { buffer: a.seed } };
  }

  /**
   * Forward pass. loss: 'none' leaves logits; 'eval' also writes losses and the mean loss;
   * 'train' additionally overwrites logits with dlogits (scaled by 1/N) for the backward pass,
   * and applies `opts.dropout` (masks drawn from the seed in a.seed).
   */
  recordForward(a: Activations, loss: 'none' | 'eval' | 'train', opts: RecordOptions = {}): Op[] {
    const d = this.device;
    const { n_layer: L, n_embd: C, n_head: NH, vocab_size: V } = this.config;
    const { B, T } = a;
    const N = B * T;
    const ops: Op[] = [];
    const b = (buffer: GPUBuffer): Buf => ({ buffer });
    const drop = this.dropoutOf(a, loss, opts);
    // out = inp + drop(branch): the residual add, with the branch's dropout fused in when on.
    const residual = (out: Buf, inp: Buf, branch: Buf, stream: number): Op =>
      drop ? dropoutForward(d, out, branch, N * C, drop.p, drop.seed, stream, inp) : residualForward(d, out, inp, branch, N * C);
    // x = drop(wte[tokens] + wpe): with dropout the sum goes through scratch.
    const embedded = drop ? a.scratch : a.encoded;
    for (const r of this.wteChunks) ops.push(encoderForward(d, b(embedded), b(a.tokens), this.wte(r), this.p('wpe.weight'), B, T, C, r));
    if (drop) ops.push(dropoutForward(d, b(a.encoded), b(a.scratch), N * C, drop.p, drop.seed, dropoutStream('embedding')));
    for (let l = 0; l < L; l++) {
      const attnDrop = drop && { dropout: { ...drop, stream: dropoutStream('attn', l) } };
      const input = l === 0 ? a.encoded : a.layers[l - 1]!.res3;
      ops.push(
        ...this.recordBlock(l, { ...a.layers[l]!, input, scratch: a.scratch }, N, {
          attention: (qkv, atty, lse) => attentionForward(d, atty, lse!, qkv, B, T, C, NH, attnDrop || { variant: this.kernels.attention }),
          residual: (out, inp, branch, site) => residual(out, inp, branch, dropoutStream(site, l)),
        }),
      );
    }
    const last = L > 0 ? a.layers[L - 1]!.res3 : a.encoded;
    ops.push(...this.recordHead({ input: last, lnf: a.lnf, lnfMean: a.lnfMean, lnfRstd: a.lnfRstd, logits: a.logits }, N));
    if (loss !== 'none') {
      ops.push(crossEntropy(d, b(a.losses), b(a.logits), b(a.targets), N, V, loss === 'train' ? 1 / N : undefined));
      ops.push(sumReduce(d, b(a.loss), b(a.losses), N, 1 / N));
    }
    return ops;
  }

  /**
   * One transformer block on N rows, the sequence that the training forward and the decoder
   * (src/model/generate.ts) both record, so that a block is written once:
   *   x = x + c_proj(attn(ln_1(x)));  x = x + c_proj(gelu(c_fc(ln_2(x))))
   * `attention` turns qkv into the heads' output: causal attention over T (the forward) or one
   * query against the KV cache (the decoder). `residual` adds a branch onto the stream (the
   * forward fuses dropout in when training drops).
   */
  recordBlock(l: number, x: BlockBuffers, N: number, how: BlockOps): Op[] {
    const d = this.device;
    const C = this.config.n_embd;
    const h = `h.${l}.`;
    const b = bound;
    const tap = (stage: BlockStage): Op[] => how.tap?.(stage) ?? [];
    const linear = how.linear ?? (({ weight, bias, ...x }: Linear) => this.mm({ ...x, b: this.p(weight), bias: this.p(bias) }));
    return [
      // x = x + c_proj(attn(ln_1(x)))
      layernormForward(d, b(x.ln1), b(x.ln1Mean), b(x.ln1Rstd), b(x.input), this.p(h + 'ln_1.weight'), this.p(h + 'ln_1.bias'), N, C),
      ...tap('ln_1'),
      linear({ out: b(x.qkv), a: b(x.ln1), weight: h + 'attn.c_attn.weight', bias: h + 'attn.c_attn.bias', M: N, K: C, N: 3 * C }),
      ...tap('c_attn'),
      ...how.attention(b(x.qkv), b(x.atty), x.lse && b(x.lse)),
      ...tap('attn'),
      linear({ out: b(x.scratch), a: b(x.atty), weight: h + 'attn.c_proj.weight', bias: h + 'attn.c_proj.bias', M: N, K: C, N: C }),
      ...tap('attn_proj'),
      how.residual(b(x.res2), b(x.input), b(x.scratch), 'attn_resid'),
      ...tap('attn_resid'),
      // x = x + c_proj(gelu(c_fc(ln_2(x)))); the pre-activation is kept where the backward needs it
      layernormForward(d, b(x.ln2), b(x.ln2Mean), b(x.ln2Rstd), b(x.res2), this.p(h + 'ln_2.weight'), this.p(h + 'ln_2.bias'), N, C),
      ...tap('ln_2'),
      linear({ out: b(x.fchGelu), preact: x.fch && b(x.fch), gelu: true, a: b(x.ln2), weight: h + 'mlp.c_fc.weight', bias: h + 'mlp.c_fc.bias', M: N, K: C, N: 4 * C }),
      ...tap('c_fc'),
      linear({ out: b(x.mlpScratch ?? x.scratch), a: b(x.fchGelu), weight: h + 'mlp.c_proj.weight', bias: h + 'mlp.c_proj.bias', M: N, K: 4 * C, N: C }),
      ...tap('mlp_proj'),
      how.residual(b(x.res3), b(x.res2), b(x.mlpScratch ?? x.scratch), 'mlp_resid'),
      ...tap('mlp_resid'),
    ];
  }

  /**
   * The final layernorm and the head tied to the token embedding: logits (N, V) = ln_f(x) · wteᵀ, a
   * column block per wte chunk. `tied` swaps in another product per chunk (the decoder's 16-bit wte).
   */
  recordHead(x: HeadBuffers, N: number, tied?: (out: Buf, a: Buf, r: VocabRange) => Op): Op[] {
    const d = this.device;
    const { n_embd: C, vocab_size: V } = this.config;
    const b = bound;
    return [
      layernormForward(d, b(x.lnf), b(x.lnfMean), b(x.lnfRstd), b(x.input), this.p('ln_f.weight'), this.p('ln_f.bias'), N, C),
      ...this.wteChunks.map((r) => (tied ? tied(columns(x.logits, r), b(x.lnf), r) : this.mm({ out: columns(x.logits, r), a: b(x.lnf), b: this.wte(r), M: N, K: C, N: r.hi - r.lo, ldc: V, layout: 'nt' }))),
    ];
  }

  /**
   * Backward pass: gradients of the mean loss into `grads` (overwritten). Needs a 'train' forward
   * first, recorded with the same options (dropout masks are regenerated from the same seed).
   */
  recordBackward(a: Activations, opts: RecordOptions = {}): Op[] {
    const d = this.device;
    const back = a.back;
    if (!back || !this.grads) throw new Error('backward needs training buffers');
    const { n_layer: L, n_embd: C, n_head: NH, vocab_size: V } = this.config;
    const { B, T } = a;
    const N = B * T;
    const b = (buffer: GPUBuffer): Buf => ({ buffer });
    const ops: Op[] = [];
    const drop = this.dropoutOf(a, 'train', opts);
    // The gradient of a dropped-out branch: pushes d branch = mask · d residual into scratch (free
    // during backward) and returns scratch; without dropout, d residual itself.
    const dbranch = (stream: number): Buf => {
      if (!drop) return b(back.dresidual);
      ops.push(dropoutBackward(d, b(a.scratch), b(back.dresidual), N * C, drop.p, drop.seed, stream));
      return b(a.scratch);
    };
    // a.logits holds dlogits: written by the cross-entropy of the 'train' forward.

    // Head: logits = lnf · wteᵀ  =>  dlnf = dlogits · wte, dwte = dlogitsᵀ · lnf (overwrites dwte;
    // the embedding backward accumulates onto it at the end). Per chunk: dlnf accumulates over the
    // column blocks of dlogits, each dwte chunk comes from its own block.
    this.wteChunks.forEach((r, i) => {
      const block = columns(a.logits, r);
      ops.push(this.mm({ out: b(back.dnc), a: block, lda: V, b: this.wte(r), M: N, K: r.hi - r.lo, N: C, accumulate: i > 0 }));
      ops.push(this.mm({ out: this.wte(r, 'grads'), a: block, lda: V, b: b(a.lnf), M: r.hi - r.lo, K: N, N: C, layout: 'tn' }));
    });
    // Final layernorm; dresidual starts at zero and accumulates through every block.
    ops.push({ clear: b(back.dresidual) });
    const last = L > 0 ? a.layers[L - 1]!.res3 : a.encoded;
    ops.push(...layernormBackward(d, b(back.dresidual), this.g('ln_f.weight'), this.g('ln_f.bias'), b(back.dnc), b(last), this.p('ln_f.weight'), b(a.lnfMean), b(a.lnfRstd), N, C));

    for (let l = L - 1; l >= 0; l--) {
      const h = `h.${l}.`;
      const x = a.layers[l]!;
      const input = l === 0 ? a.encoded : a.layers[l - 1]!.res3;
      const dres = b(back.dresidual); // here: d res3 (= d res2 through the skip connection)
      // MLP: res3 = res2 + drop(fchGelu · Wproj + bproj)
      const dmlp = dbranch(dropoutStream('mlp_resid', l));
      ops.push(this.mm({ out: this.g(h + 'mlp.c_proj.weight'), a: b(x.fchGelu), b: dmlp, M: 4 * C, K: N, N: C, layout: 'tn' }));
      ops.push(columnSum(d, this.g(h + 'mlp.c_proj.bias'), dmlp, N, C));
      ops.push(this.mm({ out: b(back.dfchGelu), a: dmlp, b: this.p(h + 'mlp.c_proj.weight'), M: N, K: C, N: 4 * C, layout: 'nt' }));
      ops.push(geluBackward(d, b(back.dfch), b(x.fch), b(back.dfchGelu), N * 4 * C));
      ops.push(this.mm({ out: this.g(h + 'mlp.c_fc.weight'), a: b(x.ln2), b: b(back.dfch), M: C, K: N, N: 4 * C, layout: 'tn' }));
      ops.push(columnSum(d, this.g(h + 'mlp.c_fc.bias'), b(back.dfch), N, 4 * C));
      ops.push(this.mm({ out: b(back.dnc), a: b(back.dfch), b: this.p(h + 'mlp.c_fc.weight'), M: N, K: 4 * C, N: C, layout: 'nt' }));
      ops.push(...layernormBackward(d, dres, this.g(h + 'ln_2.weight'), this.g(h + 'ln_2.bias'), b(back.dnc), b(x.res2), this.p(h + 'ln_2.weight'), b(x.ln2Mean), b(x.ln2Rstd), N, C));
      // Attention: res2 = input + drop(atty · Wproj + bproj); dresidual is now d res2.
      const dattn = dbranch(dropoutStream('attn_resid', l));
      ops.push(this.mm({ out: this.g(h + 'attn.c_proj.weight'), a: b(x.atty), b: dattn, M: C, K: N, N: C, layout: 'tn' }));
      ops.push(columnSum(d, this.g(h + 'attn.c_proj.bias'), dattn, N, C));
      ops.push(this.mm({ out: b(back.dnc), a: dattn, b: this.p(h + 'attn.c_proj.weight'), M: N, K: C, N: C, layout: 'nt' }));
      const attnDrop = drop && { dropout: { ...drop, stream: dropoutStream('attn', l) } };
      ops.push(...attentionBackward(d, b(back.dqkv), b(back.delta), b(back.dnc), b(x.atty), b(x.lse), b(x.qkv), B, T, C, NH, attnDrop || {}));
      ops.push(this.mm({ out: this.g(h + 'attn.c_attn.weight'), a: b(x.ln1), b: b(back.dqkv), M: C, K: N, N: 3 * C, layout: 'tn' }));
      ops.push(columnSum(d, this.g(h + 'attn.c_attn.bias'), b(back.dqkv), N, 3 * C));
      ops.push(this.mm({ out: b(back.dnc), a: b(back.dqkv), b: this.p(h + 'attn.c_attn.weight'), M: N, K: 3 * C, N: C, layout: 'nt' }));
      ops.push(...layernormBackward(d, dres, this.g(h + 'ln_1.weight'), this.g(h + 'ln_1.bias'), b(back.dnc), b(input), this.p(h + 'ln_1.weight'), b(x.ln1Mean), b(x.ln1Rstd), N, C));
    }
    // Embeddings: x = drop(wte[tokens] + wpe): dwte += scatter of d(sum) by token (deterministic
    // buckets), dwpe = sum over batch.
    const dembedded = dbranch(dropoutStream('embedding'));
    for (const r of this.wteChunks) ops.push(encoderBackwardWte(d, this.wte(r, 'grads'), dembedded, b(a.buckets), B, T, C, r));
    ops.push(encoderBackwardWpe(d, this.g('wpe.weight'), dembedded, B, T, C));
    return ops;
  }

  destroyActivations(a: Activations): void {
    for (const buf of a.all) buf.destroy();
  }

  destroy(): void {
    for (const buf of this.owned) buf.destroy();
    this.owned = [];
  }
}

/**
 * wte's rows in chunks of at most `maxBindingBytes`: a multiple of 64 rows each (so every chunk
 * starts 256-byte aligned both in the parameter buffer and as a column block of a logits row).
 */
export function wteChunks(config: GPTConfig, maxBindingBytes: number): VocabRange[] {
  const { vocab_size: V, n_embd: C } = config;
  const rows = Math.max(64, Math.floor(maxBindingBytes / (C * F) / 64) * 64);
  const out: VocabRange[] = [];
  for (let lo = 0; lo < V; lo += rows) out.push({ lo, hi: Math.min(V, lo + rows) });
  return out;
}

/** Columns [lo, hi) of an (N, V) row-major buffer: the view from column lo on; rows are V apart. */
function columns(buffer: GPUBuffer, r: VocabRange): Buf {
  return { buffer, offset: r.lo * F };
}

export type { Dispatch };
