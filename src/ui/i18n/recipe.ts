import type { PresetId, Recipe } from '../../workers/api';
import type { Namespace } from './shape';

/**
 * The training recipe (Train tab, "2. Model and recipe"): the presets, every field's label and
 * hint, and what is wrong with a recipe. The rules live once, in src/model/recipe.ts, which hands
 * the page each problem as a rule and its values (RecipeRule); recipeProblemText words it here.
 * The English below says exactly what the worker and the CLI say (problemMessage; recipe.test.ts).
 */
const en = {
  field: {
    n_layer: 'layers',
    n_head: 'heads',
    n_embd: 'channels',
    block_size: 'block size',
    batch: 'batch',
    steps: 'steps',
    lr: 'learning rate',
    minLr: 'min lr',
    warmup: 'warmup',
    weightDecay: 'weight decay',
    dropout: 'dropout',
    evalEvery: 'eval every',
    evalIters: 'eval batches',
    seed: 'seed',
  } satisfies Record<keyof Recipe, string>,
  hint: {
    n_embd: 'n_embd: must be a multiple of the number of heads',
    block_size: 'context length in tokens',
    lr: 'peak, after warmup',
    minLr: 'reached at the last step (cosine decay)',
  },
  preset: {
    legend: 'Preset',
    custom: 'Custom recipe.',
    quick: { name: 'Quick look', about: 'A tiny model (about 0.1M parameters) that learns letters and common words within a minute on a laptop GPU.' },
    'nanogpt-cpu': { name: "nanoGPT's CPU recipe", about: "nanoGPT's Shakespeare recipe for laptops: 0.8M parameters, 2000 steps, val loss about 1.88 on Shakespeare." },
    larger: { name: 'Larger (GPU)', about: "nanoGPT's GPU Shakespeare shape (6 layers, 384 channels, 10.7M parameters) with dropout 0.2: minutes on a real GPU, val loss about 1.5." },
  } satisfies Record<PresetId | 'legend' | 'custom', unknown>,
  advanced: 'Advanced',
  waitingForGpu: 'Waiting for the GPU…',
  plan: '{{params}} parameters · needs {{total}} of GPU memory (weights {{weights}}, gradients {{gradients}}, AdamW moments {{adam}}, backup {{backup}}, activations {{activations}}) · this GPU: {{perBuffer}} per buffer, {{perBinding}} per binding',
  mib: '{{n}} MiB',
  tooLarge: 'Too large for this GPU: {{detail}}',
  problem: {
    name: '{{label}} ({{key}})',
    int: '{{name}} must be a whole number from {{min}} to {{max}}, but it is {{value}}.',
    exclusive: '{{name}} must be at least {{min}} and below {{max}}, but it is {{value}}.',
    range: '{{name}} must be from {{min}} to {{max}}, but it is {{value}}.',
    vocabSize: 'The vocabulary size must be a whole number from {{min}} to {{max}}, but it is {{value}}.',
    headWidth: 'n_embd ({{n_embd}}) must be divisible by n_head ({{n_head}}) so every attention head gets the same width.',
    tooShort: 'The text is too short for context length {{blockSize}}: its {{part}} has {{have}} tokens and needs at least {{need}}. {{fix}}',
    validation: 'validation part (the last 10%)',
    training: 'training part',
    fixContext: 'Use a longer text (about {{tokens}} tokens or more) or a context length of at most {{longest}} (block size, under Advanced).',
    fixText: 'Use a longer text (about {{tokens}} tokens or more).',
  },
} as const;

export const recipe: Namespace<typeof en> = {
  en,
  zh: {
    field: {
      n_layer: '层数',
      n_head: '头数',
      n_embd: '通道数',
      block_size: '上下文长度',
      batch: '批量',
      steps: '步数',
      lr: '学习率',
      minLr: '最小学习率',
      warmup: '预热步数',
      weightDecay: '权重衰减',
      dropout: 'dropout',
      evalEvery: '评估间隔',
      evalIters: '评估批数',
      seed: '随机种子',
    },
    hint: {
      n_embd: 'n_embd：必须是头数的整数倍',
      block_size: '以词元计的上下文长度（block size）',
      lr: '预热之后的峰值',
      minLr: '最后一步达到的值（余弦衰减）',
    },
    preset: {
      legend: '预设',
      custom: '自定义配方。',
      quick: { name: '快速体验', about: '一个很小的模型（约 10 万参数），在笔记本 GPU 上一分钟内就能学会字母和常见单词。' },
      'nanogpt-cpu': { name: 'nanoGPT 的 CPU 配方', about: 'nanoGPT 为笔记本准备的莎士比亚配方：80 万参数，2000 步，在莎士比亚文本上验证损失约 1.88。' },
      larger: { name: '更大（GPU）', about: 'nanoGPT 在 GPU 上训练莎士比亚的形状（6 层，384 个通道，1070 万参数），dropout 0.2：在真正的 GPU 上需要几分钟，验证损失约 1.5。' },
    },
    advanced: '高级设置',
    waitingForGpu: '正在等待 GPU…',
    plan: '{{params}} 参数 · 需要 {{total}} 显存（权重 {{weights}}，梯度 {{gradients}}，AdamW 动量 {{adam}}，备份 {{backup}}，激活值 {{activations}}）· 这块 GPU：每个缓冲区 {{perBuffer}}，每个绑定 {{perBinding}}',
    mib: '{{n}} MiB',
    tooLarge: '对这块 GPU 来说太大了。详情（英文）：{{detail}}',
    problem: {
      name: '{{label}}（{{key}}）',
      int: '{{name}}必须是 {{min}} 到 {{max}} 之间的整数，现在是 {{value}}。',
      exclusive: '{{name}}必须不小于 {{min}} 且小于 {{max}}，现在是 {{value}}。',
      range: '{{name}}必须在 {{min}} 到 {{max}} 之间，现在是 {{value}}。',
      vocabSize: '词表大小必须是 {{min}} 到 {{max}} 之间的整数，现在是 {{value}}。',
      headWidth: 'n_embd（{{n_embd}}）必须能被 n_head（{{n_head}}）整除，这样每个注意力头的宽度才相同。',
      tooShort: '文本太短，不够上下文长度 {{blockSize}}：它的{{part}}只有 {{have}} 个词元，至少需要 {{need}} 个。{{fix}}',
      validation: '验证部分（最后 10%）',
      training: '训练部分',
      fixContext: '请换一段更长的文本（约 {{tokens}} 个词元以上），或把上下文长度设为不超过 {{longest}}（在“高级设置”里）。',
      fixText: '请换一段更长的文本（约 {{tokens}} 个词元以上）。',
    },
  },
};
