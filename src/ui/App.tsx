import { useEffect, type ReactNode } from 'react';
import { AttentionExplorer } from './components/AttentionExplorer';
import { GeneratePanel } from './components/GeneratePanel';
import { Alert } from './components/Alert';
import { Header } from './components/Header';
import { HowItWorks } from './components/how/HowItWorks';
import { ModelBar } from './components/ModelBar';
import { ModelsPanel } from './components/ModelsPanel';
import { TrainPanel } from './components/TrainPanel';
import { useTranslation } from './i18n';
import { UpdatePrompt } from './components/UpdatePrompt';
import { useStore } from './store';
import { TABS, type Tab } from './store/ui';

/** Each tab's panel (the tabs themselves are data: src/ui/store/ui.ts). */
const PANELS: Record<Tab, () => ReactNode> = {
  write: () => (
    <div className="grid gap-4">
      <GeneratePanel />
      <AttentionExplorer />
    </div>
  ),
  train: () => <TrainPanel />,
  models: () => <ModelsPanel />,
  how: () => <HowItWorks />,
};

export function App() {
  const tab = useStore((s) => s.tab);
  const training = useStore((s) => s.trainStatus !== 'idle');
  const fault = useStore((s) => s.messages.engine?.text);
  const { setTab, clearMessage } = useStore.getState();
  const { t } = useTranslation('frame');

  useEffect(() => {
    void useStore.getState().boot();
  }, []);

  // A model (.zip, or its files) dropped anywhere on the page is imported; text drops belong to the
  // training panel's drop zone, which handles them itself.
  useEffect(() => {
    const over = (e: DragEvent) => e.preventDefault();
    const drop = (e: DragEvent) => {
      e.preventDefault();
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.some((f) => /\.(zip|safetensors)$/i.test(f.name))) void useStore.getState().loadModelFiles(files);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);

  return (
    <main className="mx-auto max-w-6xl p-4 font-sans sm:p-6">
      <Header />
      <Alert message={fault} testId="fault-alert" onDismiss={() => clearMessage('engine')} />
      <ModelBar />
      <nav role="tablist" aria-label={t('tabs.label')} className="mt-4 flex gap-1 border-b border-zinc-800">
        {TABS.map(({ id }) => (
          <button
            key={id}
            role="tab"
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            onClick={() => setTab(id)}
            className={`-mb-px rounded-t border px-4 py-1.5 text-sm ${tab === id ? 'border-zinc-700 border-b-zinc-950 bg-zinc-950 font-medium' : 'border-transparent text-zinc-400 hover:text-zinc-100'}`}
          >
            {t(`tabs.${id}`)}
            {id === 'train' && training && <span className="ml-2 inline-block h-2 w-2 animate-pulse rounded-full bg-emerald-400" aria-label={t('tabs.training')} />}
          </button>
        ))}
      </nav>
      <div id={`panel-${tab}`} role="tabpanel" className="mt-4">
        {PANELS[tab]()}
      </div>
      <UpdatePrompt />
    </main>
  );
}
