import { useEffect } from 'react';
import { getEngine } from '../workers/bridge';
import { usePlayground } from './store';

export function App() {
  const gpu = usePlayground((s) => s.gpu);
  const setGpu = usePlayground((s) => s.setGpu);

  useEffect(() => {
    getEngine()
      .init()
      .then((r) => setGpu({ state: 'ready', adapter: [r.adapter.vendor, r.adapter.architecture].filter(Boolean).join(' ') || 'unknown adapter', features: r.features }))
      .catch((e: Error) => setGpu({ state: 'error', message: e.message }));
  }, [setGpu]);

  return (
    <main className="mx-auto max-w-3xl p-8 font-sans">
      <h1 className="text-3xl font-semibold tracking-tight">GPT Playground</h1>
      <p className="mt-2 text-zinc-400">Train and run a tiny GPT on your own GPU, in the browser. Nothing leaves this machine.</p>
      <section className="mt-8 rounded-lg border border-zinc-800 p-4" aria-label="GPU status">
        {gpu.state === 'starting' && <p data-testid="gpu-status">Starting WebGPU…</p>}
        {gpu.state === 'ready' && (
          <p data-testid="gpu-status">
            WebGPU ready: <span className="font-mono">{gpu.adapter}</span>
          </p>
        )}
        {gpu.state === 'error' && (
          <p data-testid="gpu-status" className="text-red-400">
            {gpu.message}
          </p>
        )}
      </section>
    </main>
  );
}
