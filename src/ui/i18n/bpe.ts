import type { Namespace } from './shape';

/** Strings of the vocabulary learned from the training text (Train tab: tokenizer choice, progress, chips, compression). */
const en = {
  option: 'Learn from this text (BPE)',
  vocabSize: 'Vocabulary size',
  vocabHint: '{{min}} to {{max}} tokens: the 256 bytes, then the most frequent pair of tokens merged into a new one, again and again',
  learning: 'Learning a vocabulary from the text',
  phase: {
    counting: 'Counting the words… {{percent}}%',
    merging: 'Merging frequent pairs: {{done}} of {{total}} new tokens',
    encoding: 'Splitting the text into the new tokens… {{percent}}%',
  },
  progressLabel: 'Learning the vocabulary',
  cancel: 'Cancel',
  chipsTitle: 'The start of the text in learned tokens',
  chipTokens_one: '{{count}} token',
  chipTokens_other: '{{count}} tokens (a character split over bytes)',
  compression: 'Characters per token (higher: the same text in fewer tokens)',
  perChar: 'one per character',
  gpt2: 'GPT-2 BPE (50,257)',
  learned: 'learned ({{vocab}})',
  gpt2Sample: "GPT-2's on the first {{chars}} characters.",
  learnedIn: 'Learned in {{seconds}} s.',
  stoppedEarly: 'No pair of tokens occurs twice any more: the vocabulary stopped at {{vocab}} of the {{requested}} asked for.',
  tokenizerName: 'learned BPE',
} as const;

export const bpe: Namespace<typeof en> = {
  en,
  zh: {
    option: '从这段文本学习词表（BPE）',
    vocabSize: '词表大小',
    vocabHint: '{{min}} 到 {{max}} 个词元：先是 256 个字节，然后反复把最常见的一对词元合并成一个新词元',
    learning: '正在从文本学习词表',
    phase: {
      counting: '正在统计单词… {{percent}}%',
      merging: '正在合并高频词元对：已得到 {{done}} / {{total}} 个新词元',
      encoding: '正在用新词元切分文本… {{percent}}%',
    },
    progressLabel: '学习词表的进度',
    cancel: '取消',
    chipsTitle: '文本开头按学到的词元切分',
    chipTokens_one: '{{count}} 个词元',
    chipTokens_other: '{{count}} 个词元（一个字符的字节被分到多个词元）',
    compression: '每个词元的字符数（越高，同样的文本所需词元越少）',
    perChar: '每个字符一个词元',
    gpt2: 'GPT-2 BPE（50,257）',
    learned: '学到的词表（{{vocab}}）',
    gpt2Sample: 'GPT-2 的数值按前 {{chars}} 个字符计算。',
    learnedIn: '用时 {{seconds}} 秒。',
    stoppedEarly: '已没有出现两次以上的词元对：词表停在 {{vocab}} 个，少于要求的 {{requested}} 个。',
    tokenizerName: '学到的 BPE',
  },
};
