import { render, useTranslation, type Words } from '../i18n';

/** A message the user must read: what went wrong and what to do. Announced by screen readers (role "alert"). Its words render in the current language. */
export function Alert(props: { message?: Words; onDismiss?: () => void; testId?: string }) {
  const { t } = useTranslation(); // re-renders on a language switch, which re-words the message
  if (!props.message) return null;
  return (
    <div role="alert" data-testid={props.testId} className="flex items-start gap-3 rounded border border-red-800 bg-red-950/60 p-3 text-sm text-red-200">
      <p className="flex-1 whitespace-pre-wrap">{render(props.message)}</p>
      {props.onDismiss && (
        <button className="text-red-300 hover:text-white" aria-label={t('dismiss')} onClick={props.onDismiss}>
          ✕
        </button>
      )}
    </div>
  );
}
