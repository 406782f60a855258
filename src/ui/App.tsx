import { useEffect } from 'react';
import { getEngine } from '../workers/bridge';
import { AttentionMap } from './AttentionMap';
import { startGeneration, stopGeneration } from './generation';
import { usePlayground } from './store';

/** The shipped model, served from public/weights. */
const SHIPPED_MODEL = { url: `${import.meta.env.BASE_URL}weights/shakespeare-char`, name: 'Shakespeare (char-level)' };

export function App() {
  const gpu = usePlayground((s) => s.gpu);
  const setGpu = usePlayground((s) => s.setGpu);
  const setModel = usePlayground((s) => s.setModel);

  useEffect(() => {
    const engine = getEngine();
    engine
      .init()
      .then((r) => {
        setGpu({ state: 'ready', adapter: [r.adapter.vendor, r.adapter.architecture].filter(Boolean).join(' ') || 'unknown adapter', features: r.features });
        return engine.loadModelFromUrl(SHIPPED_MODEL.url, SHIPPED_MODEL.name);
      })
      .then((m) => setModel(m))
      .catch((e: Error) => {
        if (usePlayground.getState().gpu.state === 'ready') setModel(undefined, `The shipped model could not be loaded: ${e.message}`);
        else setGpu({ state: 'error', message: e.message });
      });
  }, [setGpu, setModel]);

  return (
    <main className="mx-auto max-w-5xl p-6 font-sans">
      <header className="flex flex-wrap items-baseline gap-x-4">
        <h1 className="text-3xl font-semibold tracking-tight">GPT Playground</h1>
        <p className="text-zinc-400">A GPT on your own GPU, in the browser. Nothing leaves this machine.</p>
      </header>
      <section className="mt-4 text-sm" aria-label="GPU status">
        {gpu.state === 'starting' && <p data-testid="gpu-status">Starting WebGPU…</p>}
        {gpu.state === 'ready' && (
          <p data-testid="gpu-status" className="text-zinc-400">
            WebGPU ready: <span className="font-mono">{gpu.adapter}</span>
          </p>
        )}
        {gpu.state === 'error' && (
          <p data-testid="gpu-status" className="text-red-400">
            {gpu.message}
          </p>
        )}
      </section>
      <ModelCard />
      <div className="mt-4 grid gap-4 lg:grid-cols-[3fr_2fr]">
        <Generator />
        <AttentionMap />
      </div>
    </main>
  );
}

function ModelCard() {
  const model = usePlayground((s) => s.model);
  const error = usePlayground((s) => s.modelError);
  const generating = usePlayground((s) => s.generating);
  return (
    <div className="mt-4 flex flex-wrap items-center gap-3 text-sm">
      {model ? (
        <p data-testid="model-status">
          Model <strong>{model.name}</strong>: {model.n_layer} layers, {model.n_head} heads, {model.n_embd} channels, context {model.block_size}, vocabulary{' '}
          {model.vocab_size} ({model.tokenizer}), {(model.params / 1e6).toFixed(2)}M parameters
        </p>
      ) : (
        <p className="text-zinc-400" data-testid="model-status">
          {error ? 'No model loaded.' : 'Loading the model…'}
        </p>
      )}
      <label className={`ml-auto cursor-pointer rounded border border-zinc-700 px-3 py-1 hover:bg-zinc-800 ${generating ? 'pointer-events-none opacity-40' : ''}`}>
        Load model files…
        <input
          type="file"
          multiple
          accept=".safetensors,.json"
          aria-label="model files"
          className="hidden"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length) void loadModelFiles(files);
          }}
        />
      </label>
      {error && (
        <p className="basis-full text-red-400" role="alert" data-testid="model-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** model.safetensors + config.json (+ tokenizer.json): ours or a Hugging Face GPT-2 directory. A bad file keeps the current model. */
async function loadModelFiles(files: File[]): Promise<void> {
  const map = new Map<string, Uint8Array>();
  for (const f of files) map.set(f.name, new Uint8Array(await f.arrayBuffer()));
  const name = files.find((f) => f.name.endsWith('.safetensors'))?.webkitRelativePath.split('/')[0] || 'your model';
  try {
    const m = await getEngine().loadModelFromFiles(map, name);
    usePlayground.setState({ model: m, modelError: undefined, attention: { tokens: [], rows: [] }, output: '' });
  } catch (e) {
    usePlayground.setState({ modelError: (e as Error).message });
  }
}

function Generator() {
  const prompt = usePlayground((s) => s.prompt);
  const output = usePlayground((s) => s.output);
  const generating = usePlayground((s) => s.generating);
  const model = usePlayground((s) => s.model);
  const sampling = usePlayground((s) => s.sampling);
  const lastRun = usePlayground((s) => s.lastRun);
  const error = usePlayground((s) => s.error);
  const setPrompt = usePlayground((s) => s.setPrompt);
  const setSampling = usePlayground((s) => s.setSampling);

  return (
    <section className="rounded-lg border border-zinc-800 p-4" aria-label="Generate">
      <label className="block text-sm font-medium" htmlFor="prompt">
        Prompt
      </label>
      <textarea
        id="prompt"
        className="mt-1 h-24 w-full rounded border border-zinc-700 bg-zinc-900 p-2 font-mono text-sm"
        value={prompt}
        onChange={(e) => setPrompt(e.target.value)}
      />
      <div className="mt-2 flex flex-wrap items-center gap-3 text-sm">
        <Num label="temperature" value={sampling.temperature} step={0.1} min={0} max={2} onChange={(v) => setSampling({ temperature: v })} />
        <Num label="top-k" value={sampling.topK} step={1} min={0} max={1000} onChange={(v) => setSampling({ topK: v })} />
        <Num label="top-p" value={sampling.topP} step={0.05} min={0.05} max={1} onChange={(v) => setSampling({ topP: v })} />
        <Num label="tokens" value={sampling.maxNewTokens} step={50} min={1} max={5000} onChange={(v) => setSampling({ maxNewTokens: v })} />
        <Num label="seed" value={sampling.seed} step={1} min={0} max={2 ** 31} onChange={(v) => setSampling({ seed: v })} />
        {generating ? (
          <button className="ml-auto rounded bg-red-700 px-4 py-1.5 font-medium" onClick={stopGeneration}>
            Stop
          </button>
        ) : (
          <button className="ml-auto rounded bg-emerald-600 px-4 py-1.5 font-medium disabled:opacity-40" disabled={!model} onClick={() => void startGeneration()}>
            Generate
          </button>
        )}
      </div>
      <pre data-testid="output" className="mt-3 min-h-40 whitespace-pre-wrap rounded bg-zinc-900 p-3 font-mono text-sm">
        <span className="text-zinc-500">{output || generating ? prompt : ''}</span>
        {output}
      </pre>
      {lastRun && !generating && (
        <p className="mt-1 text-xs text-zinc-500" data-testid="speed">
          {lastRun.tokens} tokens in {(lastRun.ms / 1000).toFixed(2)} s ({((1000 * lastRun.tokens) / lastRun.ms).toFixed(1)} tokens/s)
        </p>
      )}
      {error && <p className="mt-2 text-sm text-red-400">{error}</p>}
    </section>
  );
}

function Num(props: { label: string; value: number; step: number; min: number; max: number; onChange: (v: number) => void }) {
  return (
    <label className="flex items-center gap-1">
      {props.label}
      <input
        type="number"
        aria-label={props.label}
        className="w-20 rounded border border-zinc-700 bg-zinc-900 px-1"
        value={props.value}
        step={props.step}
        min={props.min}
        max={props.max}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (Number.isFinite(v)) props.onChange(Math.min(props.max, Math.max(props.min, v)));
        }}
      />
    </label>
  );
}
