import { t } from '../i18n';
import { useStore } from '../store';
import { Alert } from './Alert';
import { LoadProgress } from './LoadProgress';
import { FilePicker } from './FilePicker';

/** The model that generates now, and loading another one from files. */
export function ModelBar() {
  const model = useStore((s) => s.model);
  const error = useStore((s) => s.messages.models?.text);
  const loading = useStore((s) => s.modelLoading);
  const gpuState = useStore((s) => s.gpu.state);
  const busy = useStore((s) => s.generating || s.trainStatus !== 'idle');
  const { loadModelFiles: loadFiles, clearMessage } = useStore.getState();
  return (
    <div className="mt-4 flex flex-wrap items-center gap-3 rounded-lg border border-zinc-800 px-4 py-2 text-sm">
      {model ? (
        <p data-testid="model-status">
          Model <strong>{model.name}</strong>
          <span className="text-zinc-400">
            {' '}
            · {model.n_layer} layers, {model.n_head} heads, {model.n_embd} channels, context {model.block_size} · vocabulary {model.vocab_size} ({model.tokenizer === 'char' ? 'characters' : model.tokenizer === 'bpe' ? t('bpe:tokenizerName') : 'GPT-2 BPE'}) ·{' '}
            {(model.params / 1e6).toFixed(2)}M parameters{model.valLoss !== undefined && ` · val loss ${model.valLoss.toFixed(3)}`}
            {gpuState === 'cpu' && ' · on the CPU'}
          </span>
        </p>
      ) : (
        <p className="text-zinc-400" data-testid="model-status">
          {loading ? <LoadProgress /> : error ? 'No model loaded.' : gpuState === 'error' ? 'No model: the engine did not start (see above).' : 'Starting the engine…'}
        </p>
      )}
      <FilePicker name="model files" accept=".zip,.safetensors,.json" disabled={busy} className="ml-auto rounded border border-zinc-700 px-3 py-1 hover:bg-zinc-800" title={busy ? 'Wait for the generation or training to end' : undefined} onFiles={(files) => void loadFiles(files)}>
        Load model files…
      </FilePicker>
      {error && (
        <div className="basis-full">
          <Alert message={error} testId="model-error" onDismiss={() => clearMessage('models')} />
        </div>
      )}
    </div>
  );
}
