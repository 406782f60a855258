/**
 * Float64 reference GPT-2 (nanoGPT / llm.c train_gpt2.c math): forward, backward, AdamW.
 * It is the ground truth the WebGPU model is checked against, so it favours plain, obviously
 * correct loops over speed; use it on tiny models only.
 *
 * Parameters use Hugging Face GPT-2 names (no `transformer.` prefix) and Conv1D layouts (in, out).
 * Pre-norm blocks: x += attn(ln_1(x)); x += mlp(ln_2(x)); then ln_f and a head tied to wte.
 * Optional training dropout at nanoGPT's four sites, with the GPU's masks (src/reference/dropout.ts).
 */
import { EngineError } from '../errors';
import { SeededRandom } from '../model/random';
import {
  attentionBackward, attentionForward, crossEntropyBackward, crossEntropyLoss, encoderBackward, encoderForward,
  geluBackwardInto, geluForwardInto, headBackward, headForward, layernormBackward, layernormForward, matmulBackward, matmulForward,
} from './gpt-layers';
import { dropoutForward } from './dropout';

export interface RefConfig {
  n_layer: number;
  n_head: number;
  n_embd: number;
  block_size: number;
  vocab_size: number;
}

export type RefParams = Record<string, Float64Array>;

/** Every parameter's name and shape, in Hugging Face's order. */
export function refParamShapes(c: RefConfig): Record<string, number[]> {
  const C = c.n_embd;
  const s: Record<string, number[]> = { 'wte.weight': [c.vocab_size, C], 'wpe.weight': [c.block_size, C] };
  for (let l = 0; l < c.n_layer; l++) {
    const h = `h.${l}.`;
    s[h + 'ln_1.weight'] = [C];
    s[h + 'ln_1.bias'] = [C];
    s[h + 'attn.c_attn.weight'] = [C, 3 * C];
    s[h + 'attn.c_attn.bias'] = [3 * C];
    s[h + 'attn.c_proj.weight'] = [C, C];
    s[h + 'attn.c_proj.bias'] = [C];
    s[h + 'ln_2.weight'] = [C];
    s[h + 'ln_2.bias'] = [C];
    s[h + 'mlp.c_fc.weight'] = [C, 4 * C];
    s[h + 'mlp.c_fc.bias'] = [4 * C];
    s[h + 'mlp.c_proj.weight'] = [4 * C, C];
    s[h + 'mlp.c_proj.bias'] = [C];
  }
  s['ln_f.weight'] = [C];
  s['ln_f.bias'] = [C];
  return s;
}

/**
 * nanoGPT's init: weights and embeddings N(0, 0.02), residual projections (c_proj) N(0, 0.02/sqrt(2·n_layer)),
 * biases 0, layernorm weight 1 / bias 0. Seeded.
 */
export function refInitParams(c: RefConfig, seed: number): RefParams {
  checkConfig(c);
  const rng = new SeededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-300))) * Math.cos(2 * Math.PI * rng.next());
  const p: RefParams = {};
  for (const [name, shape] of Object.entries(refParamShapes(c))) {
    const a = new Float64Array(shape.reduce((x, y) => x * y, 1));
    if (/ln_(1|2|f)\.weight$/.test(name)) a.fill(1);
    else if (shape.length === 2) {
      const std = name.endsWith('c_proj.weight') ? 0.02 / Math.sqrt(2 * c.n_layer) : 0.02;
      for (let i = 0; i < a.length; i++) a[i] = normal() * std;
    }
    p[name] = a;
  }
  return p;
}

/** Activations of one block, kept for backward. Shapes with N = B*T. */
interface LayerActs {
  inp: Float64Array; // (N,C) residual stream entering the block
  ln1: Float64Array; ln1Mean: Float64Array; ln1Rstd: Float64Array; // (N,C), (N), (N)
  qkv: Float64Array; // (N,3C)
  att: Float64Array; // (B,NH,T,T) probabilities, 0 above the diagonal
  atty: Float64Array; // (N,C) attention output before c_proj
  res2: Float64Array; // (N,C) inp + attn
  ln2: Float64Array; ln2Mean: Float64Array; ln2Rstd: Float64Array;
  fch: Float64Array; // (N,4C) before GELU
  fchGelu: Float64Array; // (N,4C)
  res3: Float64Array; // (N,C) block output
}

/**
 * Training dropout: rate p and the step's seed. Each site draws from its own stream, numbered as
 * the GPU model does (src/model/gpt.ts dropoutStream): 0 the embedding; per layer l, 1+3l the
 * attention weights, 2+3l the attention c_proj output, 3+3l the MLP c_proj output.
 */
export interface RefDropout {
  p: number;
  seed: number;
}

const stream = { embedding: 0, attn: (l: number) => 1 + 3 * l, attnResid: (l: number) => 2 + 3 * l, mlpResid: (l: number) => 3 + 3 * l };

export interface RefCache {
  B: number;
  T: number;
  dropout?: RefDropout;
  encoded: Float64Array; // (N,C)
  layers: LayerActs[];
  lnf: Float64Array; lnfMean: Float64Array; lnfRstd: Float64Array;
}

export interface RefForward {
  logits: Float64Array; // (B,T,V)
  loss?: number;
  cache: RefCache;
}

/**
 * tokens, targets: (B,T) row-major. loss = mean cross-entropy over all B*T positions (when targets are given).
 * dropout: a training forward's (masks fixed by the seed, so the loss is a smooth function of p).
 */
export function refForward(c: RefConfig, p: RefParams, tokens: ArrayLike<number>, B: number, T: number, targets?: ArrayLike<number>, dropout?: RefDropout): RefForward {
  checkConfig(c);
  checkParams(c, p);
  checkTokens(c, tokens, B, T, 'token');
  if (targets) checkTokens(c, targets, B, T, 'target');
  const { n_embd: C, n_head: NH, vocab_size: V } = c;
  const N = B * T;
  const f = (n: number) => new Float64Array(n);
  const drop = dropout && dropout.p > 0 ? dropout : undefined;
  // x + drop(branch), or x + branch without dropout.
  const addBranch = (out: Float64Array, x: Float64Array, branch: Float64Array, s: number) =>
    out.set(drop ? dropoutForward(branch, drop.p, drop.seed, s, x) : branch.map((v, i) => x[i]! + v));

  const encoded = f(N * C); // drop(wte[tokens] + wpe): the residual stream entering block 0
  encoderForward(encoded, tokens, get(p, 'wte.weight'), get(p, 'wpe.weight'), B, T, C);
  if (drop) encoded.set(dropoutForward(encoded, drop.p, drop.seed, stream.embedding));
  const layers: LayerActs[] = [];
  let x: Float64Array = encoded; // residual stream (N,C)
  for (let l = 0; l < c.n_layer; l++) {
    const w = (n: string) => get(p, `h.${l}.${n}`);
    const a: LayerActs = {
      inp: x, ln1: f(N * C), ln1Mean: f(N), ln1Rstd: f(N), qkv: f(N * 3 * C), att: f(B * NH * T * T), atty: f(N * C),
      res2: f(N * C), ln2: f(N * C), ln2Mean: f(N), ln2Rstd: f(N), fch: f(N * 4 * C), fchGelu: f(N * 4 * C), res3: f(N * C),
    };
    layernormForward(a.ln1, a.ln1Mean, a.ln1Rstd, x, w('ln_1.weight'), w('ln_1.bias'), N, C);
    matmulForward(a.qkv, a.ln1, w('attn.c_attn.weight'), w('attn.c_attn.bias'), N, C, 3 * C);
    attentionForward(a.atty, a.att, a.qkv, B, T, C, NH, drop && { ...drop, stream: stream.attn(l) });
    const attnOut = f(N * C); // c_proj output: not needed by backward
    matmulForward(attnOut, a.atty, w('attn.c_proj.weight'), w('attn.c_proj.bias'), N, C, C);
    addBranch(a.res2, x, attnOut, stream.attnResid(l));
    layernormForward(a.ln2, a.ln2Mean, a.ln2Rstd, a.res2, w('ln_2.weight'), w('ln_2.bias'), N, C);
    matmulForward(a.fch, a.ln2, w('mlp.c_fc.weight'), w('mlp.c_fc.bias'), N, C, 4 * C);
    geluForwardInto(a.fchGelu, a.fch);
    const mlpOut = f(N * C);
    matmulForward(mlpOut, a.fchGelu, w('mlp.c_proj.weight'), w('mlp.c_proj.bias'), N, 4 * C, C);
    addBranch(a.res3, a.res2, mlpOut, stream.mlpResid(l));
    layers.push(a);
    x = a.res3;
  }
  const lnf = f(N * C);
  const lnfMean = f(N);
  const lnfRstd = f(N);
  layernormForward(lnf, lnfMean, lnfRstd, x, get(p, 'ln_f.weight'), get(p, 'ln_f.bias'), N, C);
  const logits = f(N * V);
  headForward(logits, lnf, get(p, 'wte.weight'), N, C, V);

  const out: RefForward = { logits, cache: { B, T, dropout: drop, encoded, layers, lnf, lnfMean, lnfRstd } };
  if (targets) out.loss = crossEntropyLoss(logits, targets, N, V);
  return out;
}

/** Gradients of the mean loss w.r.t. every parameter (same names), from a forward pass on the same tokens. */
export function refBackward(c: RefConfig, p: RefParams, fwd: RefForward, tokens: ArrayLike<number>, targets: ArrayLike<number>, B: number, T: number): RefParams {
  checkTokens(c, targets, B, T, 'target');
  const { cache } = fwd;
  if (cache.B !== B || cache.T !== T) throw new EngineError('BAD_CONFIG', `refBackward: forward ran with B=${cache.B}, T=${cache.T}, not B=${B}, T=${T}.`);
  const { n_embd: C, n_head: NH, vocab_size: V } = c;
  const N = B * T;
  const drop = cache.dropout;
  // d branch = mask · d residual for a dropped-out branch (the forward's mask), else d residual.
  const dbranch = (dres: Float64Array, s: number) => (drop ? dropoutForward(dres, drop.p, drop.seed, s) : dres);
  const g: RefParams = {};
  for (const [name, a] of Object.entries(p)) g[name] = new Float64Array(a.length);
  const f = (n: number) => new Float64Array(n);

  const dlogits = f(N * V);
  crossEntropyBackward(dlogits, fwd.logits, targets, N, V);
  const dlnf = f(N * C);
  headBackward(dlnf, get(g, 'wte.weight'), dlogits, cache.lnf, get(p, 'wte.weight'), N, C, V);
  // dres: gradient w.r.t. the residual stream, walked from the top block down.
  let dres = f(N * C);
  const top = cache.layers.length ? cache.layers[cache.layers.length - 1]!.res3 : cache.encoded;
  layernormBackward(dres, get(g, 'ln_f.weight'), get(g, 'ln_f.bias'), dlnf, top, get(p, 'ln_f.weight'), cache.lnfMean, cache.lnfRstd, N, C);

  for (let l = c.n_layer - 1; l >= 0; l--) {
    const a = cache.layers[l]!;
    const w = (n: string) => get(p, `h.${l}.${n}`);
    const dw = (n: string) => get(g, `h.${l}.${n}`);
    // res3 = res2 + drop(mlp(ln2(res2))): the skip passes dres through unchanged.
    const dres2 = Float64Array.from(dres);
    const dfchGelu = f(N * 4 * C);
    matmulBackward(dfchGelu, dw('mlp.c_proj.weight'), dw('mlp.c_proj.bias'), dbranch(dres, stream.mlpResid(l)), a.fchGelu, w('mlp.c_proj.weight'), N, 4 * C, C);
    const dfch = f(N * 4 * C);
    geluBackwardInto(dfch, dfchGelu, a.fch);
    const dln2 = f(N * C);
    matmulBackward(dln2, dw('mlp.c_fc.weight'), dw('mlp.c_fc.bias'), dfch, a.ln2, w('mlp.c_fc.weight'), N, C, 4 * C);
    layernormBackward(dres2, dw('ln_2.weight'), dw('ln_2.bias'), dln2, a.res2, w('ln_2.weight'), a.ln2Mean, a.ln2Rstd, N, C);
    // res2 = inp + drop(attn(ln1(inp))).
    const dinp = Float64Array.from(dres2);
    const datty = f(N * C);
    matmulBackward(datty, dw('attn.c_proj.weight'), dw('attn.c_proj.bias'), dbranch(dres2, stream.attnResid(l)), a.atty, w('attn.c_proj.weight'), N, C, C);
    const dqkv = f(N * 3 * C);
    attentionBackward(dqkv, datty, a.qkv, a.att, B, T, C, NH, drop && { ...drop, stream: stream.attn(l) });
    const dln1 = f(N * C);
    matmulBackward(dln1, dw('attn.c_attn.weight'), dw('attn.c_attn.bias'), dqkv, a.ln1, w('attn.c_attn.weight'), N, C, 3 * C);
    layernormBackward(dinp, dw('ln_1.weight'), dw('ln_1.bias'), dln1, a.inp, w('ln_1.weight'), a.ln1Mean, a.ln1Rstd, N, C);
    dres = dinp;
  }
  encoderBackward(get(g, 'wte.weight'), get(g, 'wpe.weight'), dbranch(dres, stream.embedding), tokens, B, T, C);
  return g;
}

/** Attention probabilities of one sequence (T = tokens.length) for the attention explorer: (n_layer, n_head, T, T), 0 above the diagonal. */
export function refAttentionProbs(c: RefConfig, p: RefParams, tokens: ArrayLike<number>): Float64Array {
  const T = tokens.length;
  const { layers } = refForward(c, p, tokens, 1, T).cache;
  const per = c.n_head * T * T;
  const out = new Float64Array(c.n_layer * per);
  layers.forEach((a, l) => out.set(a.att, l * per)); // att is (1,NH,T,T) when B = 1
  return out;
}

export interface RefAdamW {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip the global grad norm to this; 0 (or Infinity) = no clipping, as nanoGPT's grad_clip = 0. */
  maxGradNorm: number;
}

/**
 * nanoGPT's optimizer groups: decay the 2-D tensors (embeddings and matmul weights), not biases or
 * layernorm parameters. Decided by name since RefParams carry no shapes.
 */
export function refIsDecayed(name: string): boolean {
  return name.endsWith('.weight') && !/(^|\.)ln_(1|2|f)\.weight$/.test(name);
}

/**
 * One AdamW step as torch.optim.AdamW with nanoGPT's groups: grad-norm clipping first
 * (clip = min(1, max/(norm+1e-6)), torch.nn.utils.clip_grad_norm_), then per element
 * p -= lr·wd·p (decoupled decay, decayed tensors only), m = b1·m + (1-b1)·g, v = b2·v + (1-b2)·g²,
 * p -= lr · (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps). `step` is t, 1-based.
 * Mutates p, m, v (not g). Returns the grad norm before clipping.
 */
export function refAdamWStep(p: RefParams, g: RefParams, m: RefParams, v: RefParams, step: number, h: RefAdamW): number {
  if (!Number.isInteger(step) || step < 1) throw new EngineError('BAD_CONFIG', `AdamW step is 1-based, got ${step}.`);
  let sq = 0;
  for (const name of Object.keys(p)) for (const x of get(g, name)) sq += x * x;
  const norm = Math.sqrt(sq);
  const clip = h.maxGradNorm > 0 && Number.isFinite(h.maxGradNorm) ? Math.min(1, h.maxGradNorm / (norm + 1e-6)) : 1;
  const bc1 = 1 - h.beta1 ** step;
  const bc2 = 1 - h.beta2 ** step;
  for (const [name, w] of Object.entries(p)) {
    const gr = get(g, name);
    const mm = get(m, name);
    const vv = get(v, name);
    const wd = refIsDecayed(name) ? h.weightDecay : 0;
    for (let i = 0; i < w.length; i++) {
      const gi = gr[i]! * clip;
      mm[i] = h.beta1 * mm[i]! + (1 - h.beta1) * gi;
      vv[i] = h.beta2 * vv[i]! + (1 - h.beta2) * gi * gi;
      // torch applies the decay to the old weight before the Adam update, both scaled by lr.
      w[i] = w[i]! * (1 - h.lr * wd) - (h.lr * (mm[i]! / bc1)) / (Math.sqrt(vv[i]! / bc2) + h.eps);
    }
  }
  return norm;
}

function get(p: RefParams, name: string): Float64Array {
  const a = p[name];
  if (!a) throw new EngineError('BAD_CHECKPOINT', `Reference GPT: parameter '${name}' is missing.`);
  return a;
}

function checkConfig(c: RefConfig): void {
  if (c.n_embd % c.n_head !== 0) throw new EngineError('BAD_CONFIG', `n_embd (${c.n_embd}) must be a multiple of n_head (${c.n_head}).`);
}

/** A wrong-sized tensor would silently read out of bounds (undefined -> NaN): fail loudly instead. */
function checkParams(c: RefConfig, p: RefParams): void {
  for (const [name, shape] of Object.entries(refParamShapes(c))) {
    const n = shape.reduce((x, y) => x * y, 1);
    const got = get(p, name).length;
    if (got !== n) throw new EngineError('BAD_CHECKPOINT', `Reference GPT: '${name}' has ${got} values, expected ${n} (${shape.join('×')}).`);
  }
}

function checkTokens(c: RefConfig, ids: ArrayLike<number>, B: number, T: number, what: string): void {
  if (T < 1 || T > c.block_size) throw new EngineError('BAD_CONFIG', `T = ${T} must be in 1..block_size (${c.block_size}).`);
  if (ids.length !== B * T) throw new EngineError('BAD_CONFIG', `Expected ${B}×${T} ${what}s, got ${ids.length}.`);
  for (let i = 0; i < ids.length; i++) {
    const t = ids[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= c.vocab_size) throw new EngineError('BAD_CONFIG', `${what} ${t} at ${i} is outside 0..${c.vocab_size - 1}.`);
  }
}
