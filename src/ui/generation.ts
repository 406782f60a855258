/** Runs a generation in the worker and streams it into the store, batched per animation frame. */
import * as Comlink from 'comlink';
import { getEngine } from '../workers/bridge';
import type { TokenEvent } from '../workers/engine.worker';
import { usePlayground } from './store';

export async function startGeneration(): Promise<void> {
  const st = usePlayground.getState();
  if (st.generating || !st.model) return;
  usePlayground.setState({ generating: true, output: '', error: undefined, attention: { tokens: [], rows: [] } });
  let pending: TokenEvent[] = [];
  let frame = 0;
  const flush = () => {
    frame = 0;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    usePlayground.setState((s) => {
      const rows = s.attention.rows.map((r) => r.slice());
      for (const ev of batch) ev.attention?.forEach((row, l) => rows[l]?.push(row));
      return {
        output: s.output + batch.map((e) => e.text).join(''),
        attention: { tokens: [...s.attention.tokens, ...batch.map((e) => e.text)], rows },
      };
    });
  };
  try {
    const res = await getEngine().generate(
      st.prompt,
      { ...st.sampling, captureAttention: true },
      Comlink.proxy((ev: TokenEvent) => {
        pending.push(ev);
        frame ||= requestAnimationFrame(flush);
      }),
      Comlink.proxy((rows: Float32Array[][], tokens: string[]) => usePlayground.setState({ attention: { tokens, rows } })),
    );
    flush();
    usePlayground.setState({ lastRun: res });
  } catch (e) {
    flush();
    const err = e as Error;
    if (!err.name?.endsWith('ABORTED')) usePlayground.setState({ error: err.message });
  } finally {
    usePlayground.setState({ generating: false });
  }
}

export function stopGeneration(): void {
  void getEngine().cancelGeneration();
}
