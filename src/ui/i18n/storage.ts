import type { Namespace } from './shape';

/**
 * What the page says about the browser storage that keeps the saved models: persistent storage
 * refused (the browser may clear them), and saved models gone since the last visit.
 */
const en = {
  notPersistent: 'This browser did not grant persistent storage, so it may clear these models when space runs short. Download the ones you want to keep.',
  downloadAll_one: 'Download the saved model',
  downloadAll_other: 'Download all {{count}} saved models',
  gone_one: 'The model saved in this browser is gone: the browser’s storage for this page was cleared while it was closed (browsers may do so when space runs short, or its site data was cleared). The shipped model is in use.',
  gone_other: 'The {{count}} models saved in this browser are gone: the browser’s storage for this page was cleared while it was closed (browsers may do so when space runs short, or its site data was cleared). The shipped model is in use.',
} as const;

export const storage: Namespace<typeof en> = {
  en,
  zh: {
    notPersistent: '浏览器没有授予持久存储，空间不足时可能会清除这些模型。想保留的模型请先下载。',
    downloadAll_one: '下载已保存的模型',
    downloadAll_other: '下载全部 {{count}} 个已保存的模型',
    gone_one: '保存在这个浏览器里的模型已不在了：页面关闭期间，浏览器为它保存的数据被清除了（空间不足时浏览器可能会这样做，也可能是网站数据被手动清除）。现在使用的是页面自带的模型。',
    gone_other: '保存在这个浏览器里的 {{count}} 个模型已不在了：页面关闭期间，浏览器为它保存的数据被清除了（空间不足时浏览器可能会这样做，也可能是网站数据被手动清除）。现在使用的是页面自带的模型。',
  },
};
