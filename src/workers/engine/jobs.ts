/**
 * One job at a time on the GPU device. The rule:
 * - a generation is replaced by any newer request (generate, load, train): it is cancelled, and the
 *   new job starts once it has ended (so a load never destroys the decoder under a generation);
 * - training is exclusive: while it runs, generate, load and a second training are refused (BUSY)
 *   with a message saying to stop it first;
 * - loads queue behind each other.
 */
import { EngineError } from '../../errors';

export type JobKind = 'load' | 'generate' | 'train';

interface Running {
  kind: JobKind;
  ctrl: AbortController;
  done: Promise<unknown>;
}

const BUSY: Record<JobKind, string> = {
  train: 'Training is already running. Stop it before starting another.',
  generate: 'Training is using the GPU. Pause does not free it: stop training first, then generate.',
  load: 'Training is using the GPU. Stop training before loading another model.',
};

export class Jobs {
  private current?: Running;
  /** When the last job ended (or the engine started). */
  private lastEnd = performance.now();

  get running(): JobKind | undefined {
    return this.current?.kind;
  }

  async run<T>(kind: JobKind, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    while (this.current) {
      const cur = this.current;
      if (cur.kind === 'train') throw new EngineError('BUSY', BUSY[kind]);
      if (cur.kind === 'generate') cur.ctrl.abort();
      await cur.done.catch(() => undefined);
    }
    const ctrl = new AbortController();
    const done = fn(ctrl.signal);
    const me: Running = { kind, ctrl, done };
    this.current = me;
    try {
      return await done;
    } finally {
      if (this.current === me) {
        this.current = undefined;
        this.lastEnd = performance.now();
      }
    }
  }

  /**
   * Resolves once no job has run for `quietMs` (the kernel tuner of a first visit waits here before
   * each candidate, so it yields to every load, generation and training), or once `stop()` is true
   * (a training job that waits for the tuning). Checks every 100 ms.
   */
  async whenIdle(quietMs: number, stop: () => boolean = () => false): Promise<void> {
    while (!stop() && (this.current || performance.now() - this.lastEnd < quietMs)) await new Promise((r) => setTimeout(r, 100));
  }

  /** Cancels the running job if it is of this kind. */
  abort(kind: JobKind): void {
    if (this.current?.kind === kind) this.current.ctrl.abort();
  }
}
