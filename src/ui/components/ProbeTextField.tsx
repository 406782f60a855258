/** The probe text of the next run (held-out text scored at each evaluation), editable; empty: the start of the validation split. */
import { useStore } from '../store';
import { useTranslation } from '../i18n';

export function ProbeTextField() {
  const { t } = useTranslation('probe');
  const draft = useStore((s) => s.probeDraft);
  const running = useStore((s) => s.trainStatus !== 'idle');
  const { setProbeDraft } = useStore.getState();
  return (
    <details className="text-sm">
      <summary className="cursor-pointer text-zinc-300">{t('probeField')}</summary>
      <textarea
        aria-label={t('probeField')}
        value={draft}
        disabled={running}
        onChange={(e) => setProbeDraft(e.target.value)}
        placeholder={t('probePlaceholder')}
        rows={3}
        className="mt-1 w-full rounded border border-zinc-700 bg-zinc-900 p-1 font-mono text-xs"
      />
      <p className="text-xs text-zinc-400">{t('probeHint')}</p>
    </details>
  );
}
