import { formatNumber, useTranslation } from '../i18n';
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
  const { t } = useTranslation('write');
  return (
    <div className="mt-4 flex flex-wrap items-center gap-3 rounded-lg border border-zinc-800 px-4 py-2 text-sm">
      {model ? (
        <p data-testid="model-status">
          {t('model.model')} <strong>{model.name}</strong>
          <span className="text-zinc-400">
            {' · '}
            {t('model.details', {
              layers: formatNumber(model.n_layer),
              heads: formatNumber(model.n_head),
              channels: formatNumber(model.n_embd),
              blockSize: formatNumber(model.block_size),
              vocab: formatNumber(model.vocab_size),
              tokenizer: model.tokenizer === 'char' ? t('model.chars') : model.tokenizer === 'bpe' ? t('tokenizerName', { ns: 'bpe' }) : t('model.bpe'),
              params: formatNumber(model.params, { notation: 'compact', maximumSignificantDigits: 3 }),
            })}
            {model.valLoss !== undefined && t('model.valLoss', { loss: formatNumber(model.valLoss, { minimumFractionDigits: 3, maximumFractionDigits: 3 }) })}
            {gpuState === 'cpu' && t('model.onCpu')}
          </span>
        </p>
      ) : (
        <p className="text-zinc-400" data-testid="model-status">
          {loading ? <LoadProgress /> : error ? t('model.none') : gpuState === 'error' ? t('model.noEngine') : t('model.starting')}
        </p>
      )}
      <FilePicker name={t('model.files')} accept=".zip,.safetensors,.json" disabled={busy} className="ml-auto rounded border border-zinc-700 px-3 py-1 hover:bg-zinc-800" title={busy ? t('model.wait') : undefined} onFiles={(files) => void loadFiles(files)}>
        {t('model.loadFiles')}
      </FilePicker>
      {error && (
        <div className="basis-full">
          <Alert message={error} testId="model-error" onDismiss={() => clearMessage('models')} />
        </div>
      )}
    </div>
  );
}
