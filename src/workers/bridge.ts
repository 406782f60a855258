/** The UI's handle on the engine worker. Errors keep their code in `name` (see src/errors.ts). */
import * as Comlink from 'comlink';
import type { EngineApi, OnEvent, Streamed } from './api';

export type Engine = Comlink.Remote<EngineApi>;

let engine: Engine | undefined;

export function getEngine(): Engine {
  if (!engine) {
    const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
    engine = Comlink.wrap<EngineApi>(worker);
  }
  return engine;
}

/** Runs `flush` later: the default waits for the next animation frame (see nextFrame). */
export type Scheduler = (flush: () => void) => void;

/**
 * The next animation frame, or 250 ms while the tab is hidden (browsers pause animation frames
 * there, and training goes on): high-rate events reach the store once a frame.
 */
export const nextFrame: Scheduler = (flush) => {
  if (document.hidden) setTimeout(flush, 250);
  else requestAnimationFrame(flush);
};

/** Hands each event over as it arrives, no batching (benchmarks time arrivals; tests). */
export const atOnce: Scheduler = (flush) => flush();

/** How long the last events may trail the result before the call fails (they never should: a port delivers). */
export const STREAM_TAIL_MS = 5000;

/**
 * One way to stream a call. `call` starts an engine call that streams (generate, startTraining,
 * resumeSavedTraining) with the callback it is given. Its events travel on the callback's own
 * message port, so the result can overtake the last of them; the worker numbers them
 * (src/workers/engine/stream.ts) and the result says how many it sent. streamCall hands them to
 * `onBatch` in that order, in one batch per `schedule` (an animation frame), and resolves with the
 * result only after the last one has been handed over.
 *
 * When the call fails, what has arrived is handed over (in order) before the error is rethrown;
 * events that arrive after that still are, batched as before (the caller may ignore them).
 */
export async function streamCall<E, R extends Streamed>(
  call: (onEvent: OnEvent<E>) => Promise<R>,
  onBatch: (batch: E[]) => void,
  schedule: Scheduler = nextFrame,
): Promise<R> {
  /** Events that arrived and are not handed over yet, by number. */
  const held = new Map<number, E>();
  /** The number of the next event to hand over: every one before it has been. */
  let next = 0;
  let scheduled = false;
  /** Set when the call failed: no count will come, so gaps are no longer waited for. */
  let failed = false;
  let tail: { expected: number; done: () => void } | undefined;

  const flush = () => {
    scheduled = false;
    const batch: E[] = [];
    if (failed) {
      for (const seq of [...held.keys()].sort((a, b) => a - b)) batch.push(held.get(seq)!);
      held.clear();
    } else {
      while (held.has(next)) {
        batch.push(held.get(next)!);
        held.delete(next++);
      }
    }
    if (batch.length) onBatch(batch);
    if (tail && next >= tail.expected) tail.done();
  };
  const onEvent: OnEvent<E> = (e, seq) => {
    held.set(seq, e);
    if (scheduled) return;
    scheduled = true;
    schedule(flush);
  };

  let result: R;
  try {
    result = await call(Comlink.proxy(onEvent));
  } catch (e) {
    failed = true;
    flush();
    throw e;
  }
  const expected = result.events;
  flush(); // what has arrived goes now, not a frame later
  if (next < expected) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const arrived = next + held.size;
        failed = true;
        flush();
        reject(new Error(`The engine sent ${expected} events, but only ${arrived} arrived within ${STREAM_TAIL_MS / 1000} s. Reload the page.`));
      }, STREAM_TAIL_MS);
      tail = {
        expected,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }
  return result;
}
