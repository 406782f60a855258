import type { Namespace } from './shape';

/** Strings of the probe while it learns (Train tab): probabilities of held-out text, next-token bars, the Training step slider, the chart's uniform line and perplexity. */
const en = {
  title: 'Probabilities while it learns',
  intro:
    'Training is maximum likelihood: every step moves the weights so that the real next token gets more probability. This is held-out text the model never trains on; each token is tinted by the probability the model gave it, seeing only the tokens before it.',
  meanNll: 'Mean −log p over these {{count}} tokens: {{loss}}. This is the probe’s loss, the same quantity the chart plots (the average of −log p of the true next token).',
  legendLow: 'p = 0',
  legendHigh: 'p = 1',
  clickHint: 'Click a token to see what the model predicted there.',
  tokenTitle: '“{{token}}”: p = {{p}}, −log p = {{nll}}. Top 5: {{top}}',
  tokenLabel: 'Token {{index}}, “{{token}}”, p = {{p}}',
  step: 'Training step',
  stepValue: 'step {{step}}',
  barsTitle: 'Next token after “{{before}}”, step {{step}}',
  barsLabel: 'The 10 most likely next tokens, with their probabilities',
  trueToken: 'true next token',
  trueOutside: 'The true token “{{token}}” is not among the 10 most likely: p = {{p}}.',
  uniform: 'A uniform guess gives every token 1/{{vocab}} = {{p}}.',
  uniformLine: 'uniform guess ln V',
  perplexity: 'Perplexity at step {{step}}: e^{{loss}} = {{ppl}}: as unsure as choosing among {{ppl}} tokens. A uniform guess: ln {{vocab}} = {{lnV}}, {{vocab}} tokens.',
  chartHint: 'Click a val point on the chart to move the Training step slider there.',
  noScores: 'This evaluation was saved without probe scores.',
} as const;

export const probe: Namespace<typeof en> = {
  en,
  zh: {
    title: '训练中的概率',
    intro: '训练就是最大似然：每一步都调整权重，让真实的下一个词元得到更高的概率。下面是模型从未用来训练的留出文本；每个词元的底色表示模型只看它前面的词元时给它的概率。',
    meanNll: '这 {{count}} 个词元上 −log p 的平均值：{{loss}}。这就是探针文本的损失，与图表画出的量相同（真实下一个词元的 −log p 的平均）。',
    legendLow: 'p = 0',
    legendHigh: 'p = 1',
    clickHint: '点击一个词元，查看模型在那里预测了什么。',
    tokenTitle: '“{{token}}”：p = {{p}}，−log p = {{nll}}。前 5 名：{{top}}',
    tokenLabel: '第 {{index}} 个词元“{{token}}”，p = {{p}}',
    step: '训练步数',
    stepValue: '第 {{step}} 步',
    barsTitle: '“{{before}}”之后的下一个词元，第 {{step}} 步',
    barsLabel: '概率最高的 10 个下一个词元及其概率',
    trueToken: '真实的下一个词元',
    trueOutside: '真实的词元“{{token}}”不在概率最高的 10 个之中：p = {{p}}。',
    uniform: '均匀猜测给每个词元 1/{{vocab}} = {{p}}。',
    uniformLine: '均匀猜测 ln V',
    perplexity: '第 {{step}} 步的困惑度：e^{{loss}} = {{ppl}}，相当于在 {{ppl}} 个词元中随机选择一样没有把握。均匀猜测：ln {{vocab}} = {{lnV}}，即 {{vocab}} 个词元。',
    chartHint: '点击图表上的验证点，训练步数滑块会移到那里。',
    noScores: '这次评估保存时没有探针分数。',
  },
};
