/**
 * streamCall: events that arrive out of order and after the call's result (as Comlink callbacks on
 * their own port can) reach the batch handler in the order sent, once per frame, all of them before
 * the call resolves.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OnEvent, Streamed } from './api';
import { atOnce, STREAM_TAIL_MS, streamCall } from './bridge';

/** A scheduler whose frames the test runs by hand. */
function manualFrames() {
  const queue: (() => void)[] = [];
  return {
    schedule: (flush: () => void) => void queue.push(flush),
    /** Runs the frames scheduled so far; returns how many there were. */
    frame(): number {
      const due = queue.splice(0);
      for (const f of due) f();
      return due.length;
    },
  };
}

/** A fake streamed engine call: the test sends its events (any order) and settles it when it likes. */
function fakeCall<R extends Streamed>() {
  let onEvent: OnEvent<string> | undefined;
  let settle: { resolve(r: R): void; reject(e: unknown): void } | undefined;
  const call = (cb: OnEvent<string>) => {
    onEvent = cb;
    return new Promise<R>((resolve, reject) => (settle = { resolve, reject }));
  };
  return {
    call,
    /** Delivers event `seq` (named `e<seq>`), as the callback's port would. */
    arrive: (...seqs: number[]) => seqs.forEach((seq) => onEvent!(`e${seq}`, seq)),
    resolve: (r: R) => settle!.resolve(r),
    reject: (e: unknown) => settle!.reject(e),
  };
}

/** Lets pending promise callbacks run. */
const tick = () => new Promise<void>((r) => setTimeout(r, 0));

/** Tracks a promise: whether it has settled, and how. */
function watch<T>(p: Promise<T>) {
  const s: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then(
    (value) => Object.assign(s, { done: true, value }),
    (error) => Object.assign(s, { done: true, error }),
  );
  return s;
}

describe('streamCall', () => {
  afterEach(() => vi.useRealTimers());

  it('hands events over in the order sent, whatever order they arrive in, one batch per frame', async () => {
    const f = manualFrames();
    const c = fakeCall<Streamed>();
    const batches: string[][] = [];
    const done = watch(streamCall(c.call, (b) => batches.push(b), f.schedule));
    c.arrive(2, 0, 4); // 1 and 3 are still on their way
    expect(f.frame()).toBe(1); // three arrivals, one frame
    expect(batches).toEqual([['e0']]); // 2 and 4 wait for 1 and 3
    c.arrive(3, 1);
    f.frame();
    expect(batches).toEqual([['e0'], ['e1', 'e2', 'e3', 'e4']]);
    c.resolve({ events: 5 });
    await tick();
    expect(done).toMatchObject({ done: true, value: { events: 5 } });
    expect(batches.flat()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
  });

  it('resolves only after the events that trail the result have been handed over', async () => {
    const f = manualFrames();
    const c = fakeCall<Streamed & { tokens: number }>();
    const got: string[] = [];
    const done = watch(streamCall(c.call, (b) => got.push(...b), f.schedule));
    c.arrive(0, 2);
    c.resolve({ events: 4, tokens: 4 }); // the result overtakes events 1 and 3
    await tick();
    expect(got).toEqual(['e0']); // what was in goes at once, not a frame later; 2 waits for 1
    expect(done.done).toBe(false);
    c.arrive(3);
    f.frame();
    await tick();
    expect(done.done).toBe(false); // 1 is still missing
    c.arrive(1);
    expect(done.done).toBe(false); // arrived, not yet handed over
    f.frame();
    await tick();
    expect(got).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(done).toMatchObject({ done: true, value: { events: 4, tokens: 4 } });
  });

  it('a call that sent nothing resolves at once', async () => {
    const c = fakeCall<Streamed>();
    const batches: string[][] = [];
    const p = streamCall(c.call, (b) => batches.push(b), atOnce);
    c.resolve({ events: 0 });
    await expect(p).resolves.toEqual({ events: 0 });
    expect(batches).toEqual([]);
  });

  it('a failed call hands over what arrived, in order and past gaps, then rethrows; later arrivals still come', async () => {
    const f = manualFrames();
    const c = fakeCall<Streamed>();
    const got: string[] = [];
    const p = streamCall(c.call, (b) => got.push(...b), f.schedule);
    c.arrive(3, 0, 2); // 1 never comes before the failure
    const err = Object.assign(new Error('The GPU device was lost.'), { name: 'EngineError:DEVICE_LOST' });
    c.reject(err);
    await expect(p).rejects.toBe(err);
    expect(got).toEqual(['e0', 'e2', 'e3']);
    c.arrive(5, 4); // in flight when the call failed
    f.frame();
    expect(got).toEqual(['e0', 'e2', 'e3', 'e4', 'e5']);
  });

  it('fails, naming the counts, when the events the result announced do not all arrive', async () => {
    vi.useFakeTimers();
    const c = fakeCall<Streamed>();
    const got: string[] = [];
    const p = streamCall(c.call, (b) => got.push(...b), atOnce);
    const failed = expect(p).rejects.toThrow('The engine sent 3 events, but only 2 arrived within 5 s');
    c.arrive(0, 2);
    c.resolve({ events: 3 });
    await vi.advanceTimersByTimeAsync(STREAM_TAIL_MS - 1);
    expect(got).toEqual(['e0']);
    await vi.advanceTimersByTimeAsync(1);
    await failed;
    expect(got).toEqual(['e0', 'e2']); // what did arrive is not lost
  });

  it('the default scheduler batches per animation frame, and every 250 ms in a hidden tab', async () => {
    const frames: (() => void)[] = [];
    const doc = { hidden: false };
    vi.stubGlobal('document', doc);
    vi.stubGlobal('requestAnimationFrame', (f: () => void) => frames.push(f));
    vi.useFakeTimers();
    try {
      const c = fakeCall<Streamed>();
      const batches: string[][] = [];
      const p = streamCall(c.call, (b) => batches.push(b));
      c.arrive(0, 1);
      expect(frames).toHaveLength(1);
      frames[0]!();
      expect(batches).toEqual([['e0', 'e1']]);
      doc.hidden = true;
      c.arrive(2);
      expect(frames).toHaveLength(1); // no frame asked for: hidden tabs get none
      vi.advanceTimersByTime(249);
      expect(batches).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(batches).toEqual([['e0', 'e1'], ['e2']]);
      c.resolve({ events: 3 });
      await expect(p).resolves.toEqual({ events: 3 });
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
