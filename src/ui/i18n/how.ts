import type { Namespace } from './shape';

/**
 * The "How it works" view. Wording: the standard terms of a basic "what is a GPT" text
 * (self-attention, query/key/value, positional encoding, LayerNorm, feed-forward network, softmax,
 * conditional probability of the next token), and only what is true of a GPT-2: learned positions
 * added to the token embedding, a stack of identical decoder blocks each adding to the residual
 * stream, GELU, a causal mask. The Chinese uses the terms of seed-intro-zh.md (词元, 词表, 嵌入,
 * 位置编码, 自注意力, 查询/键/值, 层归一化, 前馈网络, 残差, 条件概率, 温度) without its slips.
 * Numbers arrive formatted (formatNumber); `count` picks the plural form.
 */
const en = {
  title: 'Follow one token through the model',
  intro:
    'Every number below is read from the model in use: its weights, the text it is given, one position of that text. Change the block, the head or the temperature and the numbers change with them.',
  source: {
    label: 'Text',
    write: 'the Write tab’s text (its Token slider picks the position)',
    typed: 'this text (the last token)',
    placeholder: 'Type a text…',
    noWrite: 'Generate in the Write tab, or type a text here.',
  },
  loading: 'Tracing…',
  busy: 'Training is using the GPU: this view traces the model once training stops.',
  computedGpu: 'Computed on the GPU in one pass, from the {{bits}}-bit weights generation reads, in {{ms}} ms.',
  computedCpu: 'Computed on the CPU (float64) in {{ms}} ms.',
  tokens: {
    title: '1 · Tokens',
    label: 'Tokens',
    explain:
      'A GPT reads text as a sequence of tokens, each a whole number: its id in a vocabulary of {{vocab}} tokens. {{tokenizer}} The highlighted token is the position followed below; from it and the tokens before it the model predicts the next one.',
    bpe: 'This model uses GPT-2’s byte-pair encoding: a common word is one token, a rarer one is split into pieces.',
    char: 'This model’s tokenizer is character-level: one token per character.',
    vocab: 'vocabulary: {{vocab}} tokens',
    window: 'The text is longer than the model’s context: it sees the last tokens only (from position {{offset}}).',
    masked: 'not seen (later)',
  },
  embedding: {
    title: '2 · Embedding + position',
    explain:
      'The token id picks a row of the token embedding matrix (wte): a vector of C = {{C}} numbers. The position picks a row of the position matrix (wpe). This is GPT-2’s positional encoding: learned in training like every other weight, not a fixed formula, and added to the token’s vector. The sum is the residual stream that the blocks read and add to.',
    token: 'token embedding (row of wte)',
    position: 'position embedding (row {{pos}} of wpe)',
    sum: 'sum: the residual stream entering block 0',
  },
  block: {
    title: '3 · One transformer block',
    explain:
      'The model is a stack of {{L}} identical blocks. Each reads the residual stream, computes two branches, self-attention and then a feed-forward network, and adds each branch’s output back onto the stream.',
    blockLabel: 'Block',
    headLabel: 'Head',
  },
  ln: {
    title1: 'LayerNorm (ln_1)',
    title2: 'LayerNorm (ln_2)',
    explain:
      'LayerNorm subtracts the vector’s mean and divides by its spread (standard deviation), then scales and shifts each channel by learned weights. The branch works on this normalised copy; the stream itself is left unchanged.',
    before: 'before: {{stats}}',
    after: 'after: {{stats}}',
    stats: 'mean {{mean}}, spread {{std}}',
  },
  qkv: {
    title: 'Query, key and value',
    explain:
      'Self-attention projects the normalised vector into a query, a key and a value for each of the {{NH}} heads ({{HS}} numbers each; this is the selected head’s). The query stands for what this position looks for, each position’s key for what it offers, and its value for what it passes on.',
    q: 'query q',
    k: 'key k',
    v: 'value v',
  },
  scores: {
    title: 'Scores and attention weights',
    label: 'Attention weights',
    explain:
      'Each score is the query times the key of one position, divided by √d = √{{HS}}: one per position up to this one, itself included. The causal mask leaves out later positions: the model may not look ahead. Softmax turns the scores into weights, all positive and summing to 1: the row of the attention heatmap.',
    score: 'q·k/√d',
    weight: 'weight',
    sum: 'sum of weights: {{sum}}',
    masked: 'masked',
    showInHeatmap: 'Show this row in the Write tab’s heatmap',
    older_one: '{{n}} earlier position not listed (its weight is in the sum)',
    older_other: '{{n}} earlier positions not listed (their weights are in the sum)',
  },
  heads: {
    title: 'Weighted sum of values, projection, residual',
    explain:
      'The head’s output is the sum of the values of all positions, each times its weight. The {{NH}} heads’ outputs are joined side by side ({{C}} numbers) and projected by a linear layer (c_proj); the result is added to the residual stream.',
    head: 'head {{head}}: Σ weight·v',
    joined: 'heads joined',
    projected: 'projected (c_proj): the attention branch',
    residual: 'residual stream + attention branch',
  },
  mlp: {
    title: 'Feed-forward network (MLP)',
    explain:
      'The feed-forward network works on each position alone: a linear layer to {{hidden}} hidden units, GELU, and a linear layer back to {{C}} numbers. GELU lets a positive input through almost unchanged and pushes a negative one towards 0.',
    through_one: '{{k}} of {{n}} hidden units has a positive input (GELU lets it through)',
    through_other: '{{k}} of {{n}} hidden units have a positive input (GELU lets them through)',
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
      'After the last block comes a final LayerNorm (ln_f); the vector is then multiplied by the token embedding matrix again (the output layer shares wte), giving one logit per vocabulary token. Softmax of the logits divided by the temperature is the conditional probability of the next token given the tokens so far. A lower temperature sharpens it, a higher one flattens it; top-k keeps the k most likely tokens, top-p the fewest whose probabilities reach p, and the next token is drawn from those kept.',
    lnf: 'final LayerNorm (ln_f): {{stats}}',
    top: 'highest logits',
    bottom: 'lowest logits',
    temperature: 'Temperature',
    topK: 'top-k (0 = off)',
    topP: 'top-p (1 = off)',
    probs: 'probability of the next token',
    others_one: '{{n}} other token',
    others_other: '{{n}} other tokens',
    kept_one: 'top-k / top-p keep {{k}} token ({{mass}} of the probability); a draw renormalises them',
    kept_other: 'top-k / top-p keep {{k}} tokens ({{mass}} of the probability); a draw renormalises them',
    next: 'next token in the text: “{{token}}” (p = {{p}})',
    likely: 'most likely: “{{token}}” (p = {{p}})',
    sum: 'sum of the bars: {{sum}}',
  },
  norm: 'norm',
  strip: '{{label}}: {{n}} values, norm {{norm}}',
} as const;

export const how: Namespace<typeof en> = {
  en,
  zh: {
    title: '跟随一个词元走过整个模型',
    intro: '下面的每个数字都读自当前使用的模型：它的权重、输入给它的文本，以及这段文本中的一个位置。换一个块、一个头或调整温度，数字会随之改变。',
    source: {
      label: '文本',
      write: '“写作”标签页中的文本（用它的“词元”滑块选择位置）',
      typed: '这段文本（最后一个词元）',
      placeholder: '输入一段文本…',
      noWrite: '请先在“写作”标签页中生成，或在这里输入一段文本。',
    },
    loading: '正在追踪…',
    busy: '训练正在使用 GPU：训练停止后，这个视图才会追踪模型。',
    computedGpu: '在 GPU 上一次计算完成（读取生成时所用的 {{bits}} 位权重），用时 {{ms}} 毫秒。',
    computedCpu: '在 CPU 上（float64）计算完成，用时 {{ms}} 毫秒。',
    tokens: {
      title: '1 · 词元',
      label: '词元',
      explain:
        'GPT 把文本当作一串词元来读，每个词元是一个整数：它在一个含 {{vocab}} 个词元的词表中的编号。{{tokenizer}}高亮的词元就是下面追踪的位置；模型根据它和它之前的词元预测下一个词元。',
      bpe: '这个模型使用 GPT-2 的字节对编码（BPE）：常见的词是一个词元，较少见的词会被拆成几段。',
      char: '这个模型的分词器是字符级的：每个字符一个词元。',
      vocab: '词表：{{vocab}} 个词元',
      window: '文本比模型的上下文长：模型只看到最后的那些词元（从位置 {{offset}} 开始）。',
      masked: '看不到（在后面）',
    },
    embedding: {
      title: '2 · 嵌入 + 位置',
      explain:
        '词元编号选出词元嵌入矩阵（wte）中的一行：一个含 C = {{C}} 个数的向量。位置选出位置矩阵（wpe）中的一行。这就是 GPT-2 的位置编码：它和其他权重一样在训练中学到，而不是固定的公式，并且直接加到词元的向量上。两者之和就是残差流，之后的每个块都读取它并往上累加。',
      token: '词元嵌入（wte 的一行）',
      position: '位置嵌入（wpe 的第 {{pos}} 行）',
      sum: '和：进入第 0 块的残差流',
    },
    block: {
      title: '3 · 一个 Transformer 块',
      explain:
        '模型由 {{L}} 个相同的块堆叠而成。每个块读取残差流，依次计算两个分支——先是自注意力，再是前馈网络——并把每个分支的输出加回到残差流上。',
      blockLabel: '块',
      headLabel: '头',
    },
    ln: {
      title1: '层归一化（ln_1）',
      title2: '层归一化（ln_2）',
      explain: '层归一化先减去向量的均值，再除以它的离散程度（标准差），然后用学到的权重对每个通道缩放和平移。分支在这个归一化后的副本上计算；残差流本身不变。',
      before: '之前：{{stats}}',
      after: '之后：{{stats}}',
      stats: '均值 {{mean}}，标准差 {{std}}',
    },
    qkv: {
      title: '查询、键和值',
      explain:
        '自注意力把归一化后的向量投影成 {{NH}} 个头各自的查询、键和值（每个 {{HS}} 个数；这里显示的是所选的头）。查询代表这个位置在寻找什么，每个位置的键代表它能提供什么，值代表它要传递的内容。',
      q: '查询 q',
      k: '键 k',
      v: '值 v',
    },
    scores: {
      title: '分数和注意力权重',
      label: '注意力权重',
      explain:
        '每个分数是查询与某个位置的键的点积，再除以 √d = √{{HS}}：到当前位置为止（含自身）每个位置一个。因果掩码排除了后面的位置：模型不能往后看。softmax 把分数变成权重，全为正且和为 1：也就是注意力热图中的那一行。',
      score: 'q·k/√d',
      weight: '权重',
      sum: '权重之和：{{sum}}',
      masked: '已掩码',
      showInHeatmap: '在“写作”标签页的热图中显示这一行',
      older_one: '更早的 {{n}} 个位置未列出（其权重已计入总和）',
      older_other: '更早的 {{n}} 个位置未列出（其权重已计入总和）',
    },
    heads: {
      title: '值的加权和、投影、残差',
      explain:
        '一个头的输出是所有位置的值按各自权重相加的和。{{NH}} 个头的输出并排拼接（{{C}} 个数），再经过一个线性层（c_proj）投影；结果加到残差流上。',
      head: '第 {{head}} 个头：Σ 权重·v',
      joined: '拼接后的各头',
      projected: '投影（c_proj）：注意力分支',
      residual: '残差流 + 注意力分支',
    },
    mlp: {
      title: '前馈网络（MLP）',
      explain:
        '前馈网络对每个位置单独计算：一个线性层映射到 {{hidden}} 个隐藏单元，经过 GELU，再由一个线性层映射回 {{C}} 个数。GELU 让正的输入几乎原样通过，把负的输入压向 0。',
      through_one: '{{n}} 个隐藏单元中有 {{k}} 个输入为正（GELU 让它们通过）',
      through_other: '{{n}} 个隐藏单元中有 {{k}} 个输入为正（GELU 让它们通过）',
      hist: 'GELU 之前的隐藏单元（直方图；橙色：正值）',
      out: 'MLP 输出：前馈分支',
      residual: '残差流 + MLP 分支：这个块的输出',
    },
    stream: {
      title: '各块之间的残差流',
      explain: '嵌入之后以及每个块之后残差流的长度（范数）：每个块都把它的两个分支加到它读到的内容上。',
      embedding: '嵌入',
    },
    output: {
      title: '4 · 从向量到下一个词元',
      explain:
        '最后一个块之后是最终的层归一化（ln_f）；然后向量再次乘以词元嵌入矩阵（输出层与 wte 共享权重），为词表中的每个词元得到一个 logit。logits 除以温度后做 softmax，就是在已有词元条件下下一个词元的条件概率。温度越低分布越尖锐，越高越平坦；top-k 保留最可能的 k 个词元，top-p 保留概率之和达到 p 的最少词元，下一个词元从保留的词元中抽取。',
      lnf: '最终层归一化（ln_f）：{{stats}}',
      top: '最高的 logits',
      bottom: '最低的 logits',
      temperature: '温度',
      topK: 'top-k（0 = 关闭）',
      topP: 'top-p（1 = 关闭）',
      probs: '下一个词元的概率',
      others_one: '其他 {{n}} 个词元',
      others_other: '其他 {{n}} 个词元',
      kept_one: 'top-k / top-p 保留 {{k}} 个词元（占概率的 {{mass}}）；抽样时会重新归一化',
      kept_other: 'top-k / top-p 保留 {{k}} 个词元（占概率的 {{mass}}）；抽样时会重新归一化',
      next: '文本中的下一个词元：“{{token}}”（p = {{p}}）',
      likely: '最可能的：“{{token}}”（p = {{p}}）',
      sum: '各条之和：{{sum}}',
    },
    norm: '范数',
    strip: '{{label}}：{{n}} 个值，范数 {{norm}}',
  },
};
