/**
 * Every string of the "How it works" view, in one module so the view can be translated as a whole
 * (a second language is a second object of the same type). Wording: the standard terms of a basic
 * "what is a GPT" text (self-attention, query/key/value, positional encoding, LayerNorm,
 * feed-forward network, softmax, conditional probability of the next token), and only what is true
 * of a GPT-2: learned positions added to the token embedding, a stack of identical decoder blocks
 * each adding to the residual stream, GELU, a causal mask.
 */

export interface HowText {
  tab: string;
  title: string;
  intro: string;
  source: { label: string; write: string; typed: string; placeholder: string; noWrite: string };
  loading: string;
  busy: string;
  computedOn(backend: 'webgpu' | 'cpu', ms: number): string;
  tokens: { title: string; explain(v: { vocab: number; bpe: boolean }): string; vocab(v: number): string; window(offset: number): string; masked: string };
  embedding: { title: string; explain(C: number): string; token: string; position(pos: number): string; sum: string };
  block: { title: string; explain(L: number): string; blockLabel: string; headLabel: string };
  ln: { title(which: 1 | 2): string; explain: string; before: string; after: string; stats(mean: number, std: number): string };
  qkv: { title: string; explain(NH: number, HS: number): string; q: string; k: string; v: string };
  scores: { title: string; explain(HS: number): string; score: string; weight: string; sum(s: number): string; masked: string; showInHeatmap: string; older(n: number): string };
  heads: { title: string; explain(NH: number, C: number): string; head(h: number): string; joined: string; projected: string; residual: string };
  mlp: { title: string; explain(hidden: number, C: number): string; through(k: number, n: number): string; hist: string; out: string; residual: string };
  stream: { title: string; explain: string; embedding: string };
  output: {
    title: string;
    explain: string;
    lnf: string;
    top: string;
    bottom: string;
    temperature: string;
    topK: string;
    topP: string;
    probs: string;
    others(n: number): string;
    kept(k: number, mass: number): string;
    next(label: string, p: number): string;
    likely(label: string, p: number): string;
    sum(s: number): string;
  };
  norm: string;
}

const fix = (x: number, d = 3) => x.toFixed(d);

export const EN: HowText = {
  tab: 'How it works',
  title: 'Follow one token through the model',
  intro: 'Every number below is read from the model in use: its weights, the text it is given, one position of that text. Change the block, the head or the temperature and the numbers change with them.',
  source: { label: 'Text', write: 'the Write tab’s text (its Token slider picks the position)', typed: 'this text (the last token)', placeholder: 'Type a text…', noWrite: 'Generate in the Write tab, or type a text here.' },
  loading: 'Tracing…',
  busy: 'Training is using the GPU: this view traces the model once training stops.',
  computedOn: (backend, ms) => `Computed ${backend === 'webgpu' ? 'on the GPU in one pass' : 'on the CPU (float64)'} in ${ms.toFixed(0)} ms.`,
  tokens: {
    title: '1 · Tokens',
    explain: ({ vocab, bpe }) =>
      `A GPT reads text as a sequence of tokens, each a whole number: its id in a vocabulary of ${vocab.toLocaleString('en')} tokens. ` +
      (bpe
        ? 'This model uses GPT-2’s byte-pair encoding: a common word is one token, a rarer one is split into pieces. '
        : 'This model’s tokenizer is character-level: one token per character. ') +
      'The highlighted token is the position followed below; from it and the tokens before it the model predicts the next one.',
    vocab: (v) => `vocabulary: ${v.toLocaleString('en')} tokens`,
    window: (offset) => `The text is longer than the model’s context: it sees the last tokens only (from position ${offset}).`,
    masked: 'not seen (later)',
  },
  embedding: {
    title: '2 · Embedding + position',
    explain: (C) =>
      `The token id picks a row of the token embedding matrix (wte): a vector of C = ${C} numbers. The position picks a row of the position matrix (wpe). ` +
      'This is GPT-2’s positional encoding: learned in training like every other weight, not a fixed formula, and added to the token’s vector. The sum is the residual stream that the blocks read and add to.',
    token: 'token embedding (row of wte)',
    position: (pos) => `position embedding (row ${pos} of wpe)`,
    sum: 'sum: the residual stream entering block 0',
  },
  block: {
    title: '3 · One transformer block',
    explain: (L) =>
      `The model is a stack of ${L} identical blocks. Each reads the residual stream, computes two branches, self-attention and then a feed-forward network, and adds each branch’s output back onto the stream.`,
    blockLabel: 'Block',
    headLabel: 'Head',
  },
  ln: {
    title: (which) => (which === 1 ? 'LayerNorm (ln_1)' : 'LayerNorm (ln_2)'),
    explain: 'LayerNorm subtracts the vector’s mean and divides by its spread (standard deviation), then scales and shifts each channel by learned weights. The branch works on this normalised copy; the stream itself is left unchanged.',
    before: 'before',
    after: 'after',
    stats: (mean, std) => `mean ${fix(mean)}, spread ${fix(std)}`,
  },
  qkv: {
    title: 'Query, key and value',
    explain: (NH, HS) =>
      `Self-attention projects the normalised vector into a query, a key and a value for each of the ${NH} heads (${HS} numbers each; this is the selected head’s). ` +
      'The query stands for what this position looks for, each position’s key for what it offers, and its value for what it passes on.',
    q: 'query q',
    k: 'key k',
    v: 'value v',
  },
  scores: {
    title: 'Scores and attention weights',
    explain: (HS) =>
      `Each score is the query times the key of one position, divided by √d = √${HS}: one per position up to this one, itself included. ` +
      'The causal mask leaves out later positions: the model may not look ahead. Softmax turns the scores into weights, all positive and summing to 1: the row of the attention heatmap.',
    score: 'q·k/√d',
    weight: 'weight',
    sum: (s) => `sum of weights: ${s.toFixed(4)}`,
    masked: 'masked',
    showInHeatmap: 'Show this row in the Write tab’s heatmap',
    older: (n) => `${n} earlier positions not listed (their weights are in the sum)`,
  },
  heads: {
    title: 'Weighted sum of values, projection, residual',
    explain: (NH, C) =>
      `The head’s output is the sum of the values of all positions, each times its weight. The ${NH} heads’ outputs are joined side by side (${C} numbers) and projected by a linear layer (c_proj); the result is added to the residual stream.`,
    head: (h) => `head ${h}: Σ weight·v`,
    joined: 'heads joined',
    projected: 'projected (c_proj): the attention branch',
    residual: 'residual stream + attention branch',
  },
  mlp: {
    title: 'Feed-forward network (MLP)',
    explain: (hidden, C) =>
      `The feed-forward network works on each position alone: a linear layer to ${hidden} hidden units, GELU, and a linear layer back to ${C} numbers. ` +
      'GELU lets a positive input through almost unchanged and pushes a negative one towards 0.',
    through: (k, n) => `${k} of ${n} hidden units have a positive input (GELU lets them through)`,
    hist: 'hidden units before GELU (histogram; orange: positive)',
    out: 'MLP output: the feed-forward branch',
    residual: 'residual stream + MLP branch: the block’s output',
  },
  stream: {
    title: 'The residual stream across blocks',
    explain: 'Its length (norm) after the embedding and after each block: every block adds its two branches to what it read.',
    embedding: 'emb',
  },
  output: {
    title: '4 · From vector to next token',
    explain:
      'After the last block comes a final LayerNorm (ln_f); the vector is then multiplied by the token embedding matrix again (the output layer shares wte), giving one logit per vocabulary token. ' +
      'Softmax of the logits divided by the temperature is the conditional probability of the next token given the tokens so far. A lower temperature sharpens it, a higher one flattens it; top-k keeps the k most likely tokens, top-p the fewest whose probabilities reach p, and the next token is drawn from those kept.',
    lnf: 'final LayerNorm (ln_f)',
    top: 'highest logits',
    bottom: 'lowest logits',
    temperature: 'Temperature',
    topK: 'top-k (0 = off)',
    topP: 'top-p (1 = off)',
    probs: 'probability of the next token',
    others: (n) => `${n.toLocaleString('en')} other tokens`,
    kept: (k, mass) => `top-k / top-p keep ${k.toLocaleString('en')} token${k === 1 ? '' : 's'} (${(100 * mass).toFixed(1)}% of the probability); a draw renormalises them`,
    next: (label, p) => `next token in the text: “${label}” (p = ${p.toFixed(4)})`,
    likely: (label, p) => `most likely: “${label}” (p = ${p.toFixed(4)})`,
    sum: (s) => `sum of the bars: ${s.toFixed(4)}`,
  },
  norm: 'norm',
};

/** The view's strings (one language for now; see HowText). */
export const T: HowText = EN;
