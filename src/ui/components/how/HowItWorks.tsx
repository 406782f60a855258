/**
 * The "How it works" tab: one position of a text followed through the model in use, stage by stage,
 * with the numbers the engine traced (TokenTrace: one GPU pass and one read-back, or the float64 path
 * on the CPU). The position is the Write tab explorer's (its Token slider; the newest by default) or
 * the last token of a text typed here. Block, head and sampling settings are this view's own state:
 * changing them redraws from the trace already held, without asking the engine again.
 */
import { startTransition, useEffect, useRef, useState } from 'react';
import { getEngine } from '../../../workers/bridge';
import type { TokenTrace, TraceRequest } from '../../../workers/api';
import { useStore } from '../../store';
import { MEAN_HEAD } from '../../store/attention';
import { describe } from '../../store/errors';
import { tokenLabel } from '../AttentionPaint';
import { BLOCK_PARTS, BlockView } from './BlockView';
import { OutputView, type Sampling } from './OutputView';
import { Panel, Strip } from './Strip';
import { errorText, formatNumber, render, useTranslation, type Words } from '../../i18n';

/** A typed text is traced this long after the last keystroke; the Write tab's text at once. */
const TYPING_MS = 250;
/** Token chips shown (the most recent ones). */
const CHIPS = 64;
/**
 * Parts of the view, mounted one task at a time the first time a trace arrives (tokens, embedding,
 * the block's parts, the output), so that opening the view never blocks the page for long; later
 * traces update the parts in place.
 */
const PARTS = 2 + BLOCK_PARTS + 1;

export function HowItWorks() {
  const { t } = useTranslation('how');
  const model = useStore((s) => s.model);
  const attention = useStore((s) => s.attention);
  const generating = useStore((s) => s.generating);
  const selectedPos = useStore((s) => s.selectedPos);
  const view = useStore((s) => s.view);
  const storeSampling = useStore((s) => s.sampling);
  const prompt = useStore((s) => s.prompt);
  const hasWrite = attention.ids.length > 0;
  const [source, setSource] = useState<'write' | 'typed'>(hasWrite ? 'write' : 'typed');
  const [typed, setTyped] = useState(prompt);
  const [trace, setTrace] = useState<TokenTrace>();
  const [error, setError] = useState<Words>();
  const [loading, setLoading] = useState(false);
  const [block, setBlock] = useState(view.layer);
  const [head, setHead] = useState(view.head === MEAN_HEAD ? 0 : view.head);
  const [sampling, setSamplingState] = useState<Sampling>({ temperature: storeSampling.temperature, topK: storeSampling.topK, topP: storeSampling.topP });
  const seq = useRef(0);
  const [parts, setParts] = useState(0);
  useEffect(() => {
    if (!trace || parts >= PARTS) return;
    const id = setTimeout(() => startTransition(() => setParts((p) => p + 1)), 0);
    return () => clearTimeout(id);
  }, [trace, parts]);

  const fromWrite = source === 'write' && hasWrite;
  const N = attention.positions.length;
  const sel = selectedPos ?? (N > 0 ? N - 1 : attention.ids.length - 1);
  const writeKey = fromWrite ? `${attention.version}/${sel}` : '';

  useEffect(() => {
    if (!model || (fromWrite && generating)) return;
    const req: TraceRequest = fromWrite ? { ids: attention.ids.slice(), position: sel } : { text: typed };
    const me = ++seq.current;
    const timer = setTimeout(
      () => {
        setLoading(true);
        getEngine()
          .trace(req)
          .then(
            (t) => {
              if (me !== seq.current) return;
              // A transition: React renders the new numbers in slices, between which the page stays responsive.
              startTransition(() => {
                setTrace(t);
                setError(undefined);
              });
            },
            (e: unknown) => {
              if (me !== seq.current) return;
              const err = describe(e);
              const words: Words = err.code === 'BUSY' ? () => t('busy') : () => errorText(err.code, err.message);
              setError(() => words); // an updater returning the words (they are a function themselves)
            },
          )
          .finally(() => me === seq.current && setLoading(false));
      },
      fromWrite ? 0 : TYPING_MS,
    );
    return () => clearTimeout(timer);
    // attention.ids grows in place, so writeKey (its version and the position `sel`) stands for both.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, fromWrite, writeKey, typed, generating]);

  if (!model) return null;
  const L = model.n_layer;
  const b = Math.min(block, L - 1);
  const h = Math.min(head, model.n_head - 1);
  const decode = (id: number) => trace?.vocab[id] ?? (fromWrite && id === attention.ids[sel + 1] ? (attention.labels[sel + 1] ?? '') : `#${id}`);
  const showInHeatmap = fromWrite
    ? () => {
        const st = useStore.getState();
        st.setView({ layer: b, head: h });
        st.selectPosition(sel);
        st.setTab('write');
      }
    : undefined;

  return (
    <div className="grid gap-4" data-testid="how-it-works">
      <section className="rounded-lg border border-zinc-800 p-4">
        <h2 className="font-medium">{t('title')}</h2>
        <p className="mt-1 max-w-prose text-sm text-zinc-400">{t('intro')}</p>
        <fieldset className="mt-3 flex flex-wrap items-center gap-x-4 gap-y-2 text-sm">
          <legend className="sr-only">{t('source.label')}</legend>
          <label className="flex items-center gap-1.5">
            <input type="radio" name="how-source" checked={fromWrite} disabled={!hasWrite} onChange={() => setSource('write')} />
            {t('source.write')}
          </label>
          <label className="flex items-center gap-1.5">
            <input type="radio" name="how-source" checked={!fromWrite} onChange={() => setSource('typed')} />
            {t('source.typed')}
          </label>
        </fieldset>
        {!fromWrite && (
          <textarea aria-label={t('source.label')} rows={2} className="mt-2 w-full rounded border border-zinc-700 bg-zinc-900 p-2 font-mono text-sm" placeholder={t('source.placeholder')} value={typed} onChange={(e) => setTyped(e.target.value)} />
        )}
        {!hasWrite && <p className="mt-1 text-xs text-zinc-400">{t('source.noWrite')}</p>}
        <p className="mt-2 text-xs text-zinc-400" aria-live="polite" data-testid="how-status">
          {error ? <span className="text-red-300">{render(error)}</span> : loading && !trace ? t('loading') : trace ? t(trace.weights === 'cpu' ? 'computedCpu' : 'computedGpu', { ms: formatNumber(trace.ms, { maximumFractionDigits: 0 }), bits: trace.weights === 'f16' ? 16 : 32 }) : ''}
        </p>
      </section>
      {trace && trace.blocks.length === L && (
        <>
          <TokensView trace={trace} />
          {parts >= 2 && (
            <Panel title={t('embedding.title')} explain={t('embedding.explain', { C: formatNumber(trace.embedding.length) })} testId="how-embedding">
              <Strip label={`${t('embedding.token')}: #${trace.ids[trace.ids.length - 1]}`} values={trace.tokenEmbedding} />
              <Strip label={t('embedding.position', { pos: trace.ids.length - 1 })} values={trace.positionEmbedding} />
              <Strip label={t('embedding.sum')} values={trace.embedding} testId="how-embedding-sum" />
            </Panel>
          )}
          {parts >= 3 && <BlockView trace={trace} block={b} head={h} setBlock={setBlock} setHead={setHead} showInHeatmap={showInHeatmap} parts={parts - 2} />}
          {parts >= PARTS && (
            <OutputView trace={trace} decode={decode} sampling={sampling} setSampling={(s) => setSamplingState((o) => ({ ...o, ...s }))} nextId={fromWrite ? attention.ids[sel + 1] : undefined} />
          )}
        </>
      )}
    </div>
  );
}

function TokensView(props: { trace: TokenTrace }) {
  const { t } = useTranslation('how');
  const { trace } = props;
  const n = trace.ids.length;
  const first = Math.max(0, n - CHIPS);
  return (
    <Panel title={t('tokens.title')} explain={t('tokens.explain', { vocab: formatNumber(trace.vocabSize), tokenizer: trace.tokenizer === 'gpt2' ? t('tokens.bpe') : t('tokens.char') })} testId="how-tokens">
      <p className="text-xs text-zinc-400" data-testid="how-vocab">
        {t('tokens.vocab', { vocab: formatNumber(trace.vocabSize) })}
      </p>
      {trace.offset > 0 && <p className="text-xs text-zinc-400">{t('tokens.window', { offset: trace.offset })}</p>}
      <ol aria-label={t('tokens.label')} className="flex flex-wrap gap-1 font-mono text-xs">
        {first > 0 && <li className="px-1 text-zinc-400">…</li>}
        {trace.ids.slice(first).map((id, k) => {
          const j = first + k;
          const me = j === n - 1;
          return (
            <li key={j} data-testid="how-token" data-id={id} data-pos={trace.offset + j} aria-current={me || undefined} className={`flex flex-col items-center rounded border px-1.5 py-0.5 ${me ? 'border-sky-400 bg-sky-950 text-sky-200' : 'border-zinc-700'}`}>
              <span className="whitespace-pre">{tokenLabel(trace.labels[j] ?? '')}</span>
              <span className="text-[10px] text-zinc-400">{id}</span>
            </li>
          );
        })}
        {trace.after.map((label, k) => (
          <li key={`a${k}`} title={t('tokens.masked')} className="flex flex-col items-center rounded border border-dashed border-zinc-800 px-1.5 py-0.5 text-zinc-600">
            <span className="whitespace-pre">{tokenLabel(label)}</span>
            <span className="text-[10px]">—</span>
          </li>
        ))}
      </ol>
    </Panel>
  );
}
