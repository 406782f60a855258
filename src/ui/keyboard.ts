/**
 * Page-wide keys: Ctrl+Enter (Cmd+Enter on a Mac) generates from the Write tab, wherever the
 * focus is (the prompt box included); Esc stops a generation that is running.
 */
import type { Store } from './store';

export function installKeyboard(store: { getState(): Store }): () => void {
  const onKey = (e: KeyboardEvent) => {
    const s = store.getState();
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) {
      if (s.tab !== 'write') return;
      e.preventDefault();
      if (!s.generating) void s.generate();
    } else if (e.key === 'Escape' && s.generating) {
      e.preventDefault();
      s.stopGeneration();
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
