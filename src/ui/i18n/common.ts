import type { Namespace } from './shape';

/** Strings of the page's frame: the header, the language switch. Each view has a namespace of its own. */
const en = {
  title: 'GPT Playground',
  tagline: 'Write with a GPT, train one on your own text, watch where it attends. On your GPU; nothing leaves this machine.',
  language: { label: 'Language', en: 'English', zh: '中文' },
  dismiss: 'Dismiss',
} as const;

export const common: Namespace<typeof en> = {
  en,
  zh: {
    title: 'GPT 游乐场',
    tagline: '用 GPT 写作，用你自己的文本训练一个 GPT，看它把注意力放在哪里。全部在你的 GPU 上运行，数据不会离开这台机器。',
    language: { label: '语言', en: 'English', zh: '中文' },
    dismiss: '关闭',
  },
};
