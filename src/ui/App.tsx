import { useEffect } from 'react';
import { AttentionExplorer } from './components/AttentionExplorer';
import { GeneratePanel } from './components/GeneratePanel';
import { Alert } from './components/Alert';
import { Header } from './components/Header';
import { HowItWorks } from './components/how/HowItWorks';
import { ModelBar } from './components/ModelBar';
import { ModelsPanel } from './components/ModelsPanel';
import { TrainPanel } from './components/TrainPanel';
import { useStore } from './store';
import type { Tab } from './store/engine';

const TABS: { id: Tab; label: string }[] = [
  { id: 'write', label: 'Write' },
  { id: 'train', label: 'Train' },
  { id: 'models', label: 'Models' },
  { id: 'how', label: 'How it works' },
];

export function App() {
  const tab = useStore((s) => s.tab);
  const setTab = useStore((s) => s.setTab);
  const training = useStore((s) => s.trainStatus !== 'idle');
  const fault = useStore((s) => s.faultAlert);
  const dismissFault = useStore((s) => s.dismissFault);

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
      <Alert message={fault} testId="fault-alert" onDismiss={dismissFault} />
      <ModelBar />
      <nav role="tablist" aria-label="Views" className="mt-4 flex gap-1 border-b border-zinc-800">
        {TABS.map((t) => (
          <button
            key={t.id}
            role="tab"
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            onClick={() => setTab(t.id)}
            className={`-mb-px rounded-t border px-4 py-1.5 text-sm ${tab === t.id ? 'border-zinc-700 border-b-zinc-950 bg-zinc-950 font-medium' : 'border-transparent text-zinc-400 hover:text-zinc-100'}`}
          >
            {t.label}
            {t.id === 'train' && training && <span className="ml-2 inline-block h-2 w-2 animate-pulse rounded-full bg-emerald-400" aria-label="training" />}
          </button>
        ))}
      </nav>
      <div id={`panel-${tab}`} role="tabpanel" className="mt-4">
        {tab === 'write' ? (
          <div className="grid gap-4">
            <GeneratePanel />
            <AttentionExplorer />
          </div>
        ) : tab === 'train' ? (
          <TrainPanel />
        ) : tab === 'how' ? (
          <HowItWorks />
        ) : (
          <ModelsPanel />
        )}
      </div>
    </main>
  );
}
