import type { Namespace } from './shape';

/** The service worker's words: a new deployment announced, applied only when the user reloads. */
const en = {
  update: {
    ready: 'A new version is ready',
    reload: 'Reload',
    later: 'Not now',
  },
} as const;

export const offline: Namespace<typeof en> = {
  en,
  zh: {
    update: {
      ready: '新版本已就绪',
      reload: '重新加载',
      later: '稍后',
    },
  },
};
