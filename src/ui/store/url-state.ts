/**
 * Shareable state in the URL hash: the prompt, the sampling settings (seed included) and the
 * attention head on view, e.g. #prompt=ROMEO%3A%0A&t=0.8&k=0&p=1&n=300&seed=1337&layer=0&head=0 (head=mean: the mean of heads).
 * Read at start (and when the hash changes), written with history.replaceState (no new history
 * entry per keystroke) a moment after the last change. A link opens with what its sender saw and,
 * with the same model and seed, generates the same text.
 */
import { inRange, SAMPLING_RANGES, type NumberRange, type SamplingSettings } from '../../workers/api';
import { MEAN_HEAD } from './attention';
import type { Store } from './index';

interface UrlState {
  prompt?: string;
  sampling: Partial<SamplingSettings>;
  view: Partial<{ layer: number; head: number }>;
}

/** Hash key -> sampling field; values outside the field's range (SAMPLING_RANGES, the inputs' too) are ignored, not clamped. */
const NUMBERS: { key: string; field: keyof SamplingSettings }[] = [
  { key: 't', field: 'temperature' },
  { key: 'k', field: 'topK' },
  { key: 'p', field: 'topP' },
  { key: 'n', field: 'maxNewTokens' },
  { key: 'seed', field: 'seed' },
];
/** Layer and head indices (the model's own count is checked where they are used). */
const INDEX: NumberRange = { min: 0, max: 1000, int: true };

function number(raw: string | null, range: NumberRange): number | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const v = Number(raw);
  return inRange(v, range) ? v : undefined;
}

function parseHash(hash: string): UrlState {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const out: UrlState = { sampling: {}, view: {} };
  const prompt = q.get('prompt');
  if (prompt !== null) out.prompt = prompt;
  for (const n of NUMBERS) {
    const v = number(q.get(n.key), SAMPLING_RANGES[n.field]);
    if (v !== undefined) out.sampling[n.field] = v;
  }
  const layer = number(q.get('layer'), INDEX);
  const head = q.get('head') === 'mean' ? MEAN_HEAD : number(q.get('head'), INDEX);
  if (layer !== undefined) out.view.layer = layer;
  if (head !== undefined) out.view.head = head;
  return out;
}

function formatHash(s: { prompt: string; sampling: SamplingSettings; view: { layer: number; head: number } }): string {
  const q = new URLSearchParams();
  q.set('prompt', s.prompt);
  for (const n of NUMBERS) q.set(n.key, String(s.sampling[n.field]));
  q.set('layer', String(s.view.layer));
  q.set('head', s.view.head === MEAN_HEAD ? 'mean' : String(s.view.head));
  // URLSearchParams writes spaces as '+': keep %20, which every reader of a fragment decodes alike.
  return `#${q.toString().replace(/\+/g, '%20')}`;
}

/** Wait this long after the last change before rewriting the URL. */
const WRITE_DELAY_MS = 300;

interface StoreApi {
  getState(): Store;
  subscribe(listener: (s: Store, prev: Store) => void): () => void;
}

function apply(store: StoreApi, u: UrlState): void {
  const st = store.getState();
  if (u.prompt !== undefined) st.setPrompt(u.prompt);
  if (Object.keys(u.sampling).length) st.setSampling(u.sampling);
  if (Object.keys(u.view).length) st.setView(u.view);
}

/** Applies the hash now, then keeps the URL and the store in step. Returns a function that stops it. */
export function syncUrlState(store: StoreApi): () => void {
  apply(store, parseHash(location.hash));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let written = location.hash;
  const write = () => {
    timer = undefined;
    const { prompt, sampling, view } = store.getState();
    const hash = formatHash({ prompt, sampling, view });
    if (hash === written) return;
    written = hash;
    history.replaceState(history.state, '', hash);
  };
  const unsubscribe = store.subscribe((s, prev) => {
    if (s.prompt === prev.prompt && s.sampling === prev.sampling && s.view === prev.view) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(write, WRITE_DELAY_MS);
  });
  // A hash typed or pasted into the address bar (same page) applies too.
  const onHashChange = () => {
    if (location.hash !== written) apply(store, parseHash(location.hash));
  };
  window.addEventListener('hashchange', onHashChange);
  return () => {
    unsubscribe();
    window.removeEventListener('hashchange', onHashChange);
    if (timer) clearTimeout(timer);
  };
}
