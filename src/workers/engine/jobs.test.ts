/**
 * The rule for what may run together on the device (jobs.ts): pressing Start twice starts one
 * run, a load or a generation during training is refused with BUSY (training goes on), a newer
 * request replaces a generation (which ends first), loads queue.
 */
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../errors';
import { Jobs } from './jobs';

/** A job that runs until released (or aborted), recording what happened. */
function controllable(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  const fn = async (signal: AbortSignal) => {
    log.push(`${name} start`);
    await Promise.race([done, new Promise<void>((r) => signal.addEventListener('abort', () => r()))]);
    log.push(signal.aborted ? `${name} aborted` : `${name} end`);
    return name;
  };
  return { fn, release: () => release() };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Jobs', () => {
  it('refuses a second training, a load and a generation while training runs, with BUSY in words', async () => {
    const jobs = new Jobs();
    const log: string[] = [];
    const train = controllable(log, 'train');
    const running = jobs.run('train', train.fn);
    await tick();
    for (const [kind, says] of [
      ['train', 'Training is already running. Stop it before starting another.'],
      ['load', 'Training is using the GPU. Stop training before loading another model.'],
      ['generate', /Training is using the GPU.*stop training first, then generate/],
    ] as const) {
      const err = await jobs.run(kind, async () => 'ran').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('BUSY');
      expect((err as EngineError).message).toMatch(says);
    }
    expect(jobs.running).toBe('train');
    train.release();
    await expect(running).resolves.toBe('train');
    expect(log).toEqual(['train start', 'train end']); // one run, never interrupted
    expect(jobs.running).toBeUndefined();
  });

  it('a load during a generation cancels the generation and starts once it has ended', async () => {
    const jobs = new Jobs();
    const log: string[] = [];
    const gen = controllable(log, 'generate');
    const generating = jobs.run('generate', gen.fn);
    await tick();
    const load = controllable(log, 'load');
    const loading = jobs.run('load', load.fn);
    await expect(generating).resolves.toBe('generate');
    await tick();
    load.release();
    await expect(loading).resolves.toBe('load');
    expect(log).toEqual(['generate start', 'generate aborted', 'load start', 'load end']);
  });

  it('loads queue behind each other', async () => {
    const jobs = new Jobs();
    const log: string[] = [];
    const a = controllable(log, 'a');
    const b = controllable(log, 'b');
    const first = jobs.run('load', a.fn);
    await tick();
    const second = jobs.run('load', b.fn);
    await tick();
    expect(log).toEqual(['a start']);
    a.release();
    await first;
    await tick();
    b.release();
    await second;
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('a failed job frees the device for the next', async () => {
    const jobs = new Jobs();
    await expect(jobs.run('train', async () => {
      throw new EngineError('DEVICE_LOST', 'lost');
    })).rejects.toMatchObject({ code: 'DEVICE_LOST' });
    await expect(jobs.run('load', async () => 'ok')).resolves.toBe('ok');
  });

  it('whenIdle: resolves once no job has run for the quiet time, or when stop() turns true', async () => {
    const jobs = new Jobs();
    const log: string[] = [];
    const gen = controllable(log, 'generate');
    const running = jobs.run('generate', gen.fn);
    let idle = false;
    const waiting = jobs.whenIdle(150).then(() => (idle = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(idle).toBe(false); // a job runs
    gen.release();
    await running;
    const ended = performance.now();
    await waiting;
    expect(performance.now() - ended).toBeGreaterThanOrEqual(140); // and then the quiet time
    // A waiter that is told to stop does not wait for the job.
    const train = controllable(log, 'train');
    const training = jobs.run('train', train.fn);
    let stop = false;
    const stopped = jobs.whenIdle(150, () => stop);
    stop = true;
    await stopped;
    train.release();
    await training;
  });
});
