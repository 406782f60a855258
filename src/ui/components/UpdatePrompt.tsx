/// <reference types="vite-plugin-pwa/react" />
import { useState } from 'react';
import { useRegisterSW } from 'virtual:pwa-register/react';
import { useTranslation } from '../i18n';

/** How often an open page asks the server for a new deployment (a navigation asks too). */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

/**
 * Registers the service worker (vite.config.ts: precaches the app, the shipped model and corpora)
 * and announces a new deployment: the new worker waits until the user presses Reload, so nothing
 * changes under a generation or a training run. Under `vite dev` there is no service worker.
 */
export function UpdatePrompt() {
  const { t } = useTranslation('offline');
  const [dismissed, setDismissed] = useState(false);
  const {
    needRefresh: [needRefresh],
    updateServiceWorker,
  } = useRegisterSW({
    onRegisteredSW(_url, registration) {
      if (registration) setInterval(() => void registration.update().catch(() => undefined), UPDATE_CHECK_MS); // offline: try again later
    },
    onRegisterError(error) {
      console.warn('The service worker did not register: the page works, but not offline.', error);
    },
  });
  if (!needRefresh || dismissed) return null;
  return (
    <div
      role="status"
      data-testid="update-prompt"
      className="fixed inset-x-4 bottom-4 z-50 mx-auto flex max-w-md items-center gap-3 rounded border border-emerald-700 bg-zinc-900 p-3 text-sm text-zinc-100 shadow-lg"
    >
      <p className="flex-1">{t('update.ready')}</p>
      <button className="rounded bg-emerald-700 px-3 py-1 font-medium text-white hover:bg-emerald-800" onClick={() => void updateServiceWorker(true)}>
        {t('update.reload')}
      </button>
      <button className="rounded px-2 py-1 text-zinc-300 hover:text-white" onClick={() => setDismissed(true)}>
        {t('update.later')}
      </button>
    </div>
  );
}
