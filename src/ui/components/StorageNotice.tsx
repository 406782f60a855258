import { useTranslation } from '../i18n';
import { useStore } from '../store';

/**
 * The Models tab's word when the browser refused persistent storage (navigator.storage.persist()):
 * it may clear the saved models under storage pressure, so the notice offers to download them.
 * Shown only while there is something saved to lose.
 */
export function StorageNotice() {
  const { t } = useTranslation('storage');
  const persisted = useStore((s) => s.persisted);
  const models = useStore((s) => s.library.models);
  const keep = models.filter((m) => !m.damaged);
  if (persisted !== false || keep.length === 0) return null;
  const downloadAll = async () => {
    for (const m of keep) await useStore.getState().downloadModel(m.id);
  };
  return (
    <div role="note" data-testid="storage-notice" className="flex flex-wrap items-center gap-3 rounded border border-amber-800/70 bg-amber-950/40 p-3 text-sm text-amber-200">
      <p className="min-w-48 flex-1">{t('notPersistent')}</p>
      <button className="rounded border border-amber-700 px-3 py-1 hover:bg-amber-900/50" onClick={() => void downloadAll()}>
        {t('downloadAll', { count: keep.length })}
      </button>
    </div>
  );
}
