/**
 * The trace of one position through the model, for the "How it works" view: every intermediate
 * vector of that position, in one Float32Array laid out by `traceLayout`. The GPU trace
 * (src/model/trace.ts) fills it with copies recorded into the forward and reads it back once; the
 * CPU trace (src/reference/trace.ts) fills the same layout from the float64 reference. The worker
 * API re-exports the unpacked shape as `TokenTrace` (src/workers/api.ts).
 *
 * Letters: C channels, NH heads, HS = C/NH, V vocab, n = pos+1 positions the query sees.
 * CPU-only: src/reference imports it.
 */

/** A LayerNorm's output row and the statistics of its input row (rstd = 1/√(var + 1e-5)). */
export interface LayerNormTrace {
  out: Float32Array; // (C)
  mean: number;
  rstd: number;
}

/** One transformer block at the traced position. */
export interface BlockTrace {
  /** The residual stream entering the block (C): the embedding sum for block 0, else the previous block's output. */
  input: Float32Array;
  ln1: LayerNormTrace;
  /** c_attn output of this position (3C) = [q | k | v], head h at columns h*HS of each part. */
  qkv: Float32Array;
  /** (NH, n): q·k_j/√HS of every head for every position j ≤ pos. */
  scores: Float32Array;
  /** (NH, n): softmax of each head's scores (each row sums to 1). */
  weights: Float32Array;
  /** (C): the heads' weighted sums of values, side by side, before c_proj. */
  heads: Float32Array;
  /** (C): c_proj of the heads (the attention branch). */
  attnOut: Float32Array;
  /** (C): input + attention branch. */
  afterAttn: Float32Array;
  ln2: LayerNormTrace;
  /** (4C): c_fc output before GELU, and after. */
  fc: Float32Array;
  fcGelu: Float32Array;
  /** (C): the MLP branch (c_proj of fcGelu). */
  mlpOut: Float32Array;
  /** (C): afterAttn + MLP branch: the block's output. */
  out: Float32Array;
}

/** The numbers of one position, unpacked; every array a view of `buffer`. */
export interface TraceNumbers {
  /** wte row of the token, wpe row of the position, and their sum (C each). */
  tokenEmbedding: Float32Array;
  positionEmbedding: Float32Array;
  embedding: Float32Array;
  blocks: BlockTrace[];
  lnf: LayerNormTrace;
  /** (V) next-token logits. */
  logits: Float32Array;
  /** The one buffer behind every array (transfer it once). */
  buffer: ArrayBuffer;
}

export interface TraceDims {
  n_layer: number;
  n_head: number;
  n_embd: number;
  vocab_size: number;
}

/** Float offsets of one block's parts. */
export interface BlockLayout {
  ln1: number; ln1Mean: number; ln1Rstd: number;
  qkv: number; scores: number; weights: number;
  heads: number; attnOut: number; afterAttn: number;
  ln2: number; ln2Mean: number; ln2Rstd: number;
  fc: number; fcGelu: number; mlpOut: number; out: number;
}

export interface TraceLayout {
  tokenEmbedding: number;
  positionEmbedding: number;
  embedding: number;
  blocks: BlockLayout[];
  lnf: number; lnfMean: number; lnfRstd: number;
  logits: number;
  /** Floats in all. */
  total: number;
}

/**
 * Where each part lies, in floats, for a position that sees n positions (n = pos+1). Every part
 * but the scores and weights has the same offset for every n; those (NH·n each per block) come
 * last, so that a capture buffer laid out once for the longest n serves every position
 * (src/model/trace.ts records its copies once) and a read-back of `total` floats takes what n needs.
 */
export function traceLayout(d: TraceDims, n: number): TraceLayout {
  const { n_layer: L, n_head: NH, n_embd: C, vocab_size: V } = d;
  let at = 0;
  const take = (floats: number) => {
    const o = at;
    at += floats;
    return o;
  };
  const tokenEmbedding = take(C);
  const positionEmbedding = take(C);
  const embedding = take(C);
  const blocks: BlockLayout[] = [];
  for (let l = 0; l < L; l++) {
    blocks.push({
      ln1: take(C), ln1Mean: take(1), ln1Rstd: take(1),
      qkv: take(3 * C), scores: 0, weights: 0,
      heads: take(C), attnOut: take(C), afterAttn: take(C),
      ln2: take(C), ln2Mean: take(1), ln2Rstd: take(1),
      fc: take(4 * C), fcGelu: take(4 * C), mlpOut: take(C), out: take(C),
    });
  }
  const lnf = take(C);
  const lnfMean = take(1);
  const lnfRstd = take(1);
  const logits = take(V);
  for (const b of blocks) {
    b.scores = take(NH * n);
    b.weights = take(NH * n);
  }
  return { tokenEmbedding, positionEmbedding, embedding, blocks, lnf, lnfMean, lnfRstd, logits, total: at };
}

/** Views of a filled trace buffer (traceLayout(d, n).total floats). */
export function unpackTrace(buffer: ArrayBuffer, d: TraceDims, n: number): TraceNumbers {
  const lay = traceLayout(d, n);
  const all = new Float32Array(buffer);
  if (all.length < lay.total) throw new Error(`trace buffer has ${all.length} floats, the layout needs ${lay.total}`);
  const C = d.n_embd;
  const NH = d.n_head;
  const v = (at: number, len: number) => all.subarray(at, at + len);
  const ln = (out: number, mean: number, rstd: number): LayerNormTrace => ({ out: v(out, C), mean: all[mean]!, rstd: all[rstd]! });
  const embedding = v(lay.embedding, C);
  const blocks: BlockTrace[] = [];
  lay.blocks.forEach((b, l) => {
    blocks.push({
      input: l === 0 ? embedding : blocks[l - 1]!.out,
      ln1: ln(b.ln1, b.ln1Mean, b.ln1Rstd),
      qkv: v(b.qkv, 3 * C),
      scores: v(b.scores, NH * n),
      weights: v(b.weights, NH * n),
      heads: v(b.heads, C),
      attnOut: v(b.attnOut, C),
      afterAttn: v(b.afterAttn, C),
      ln2: ln(b.ln2, b.ln2Mean, b.ln2Rstd),
      fc: v(b.fc, 4 * C),
      fcGelu: v(b.fcGelu, 4 * C),
      mlpOut: v(b.mlpOut, C),
      out: v(b.out, C),
    });
  });
  return {
    tokenEmbedding: v(lay.tokenEmbedding, C),
    positionEmbedding: v(lay.positionEmbedding, C),
    embedding,
    blocks,
    lnf: ln(lay.lnf, lay.lnfMean, lay.lnfRstd),
    logits: v(lay.logits, d.vocab_size),
    buffer,
  };
}
