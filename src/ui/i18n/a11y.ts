import type { Namespace } from './shape';

/** Words only assistive technology hears (labels, live regions), and the keyboard's hints. */
const en = {
  heatmap: {
    label: 'Attention heatmap, by keyboard: arrow keys move the cell cursor, Home and End go to the first and last key, Enter pins the cell',
    cell: 'query {{query}} “{{queryToken}}” → key {{key}} “{{keyToken}}”, weight {{weight}}',
  },
} as const;

export const a11y: Namespace<typeof en> = {
  en,
  zh: {
    heatmap: {
      label: '注意力热图，键盘操作：方向键移动单元格光标，Home 和 End 跳到第一个和最后一个键，Enter 固定该单元格',
      cell: '查询 {{query}}「{{queryToken}}」→ 键 {{key}}「{{keyToken}}」，权重 {{weight}}',
    },
  },
};
