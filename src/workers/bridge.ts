/** The UI's handle on the engine worker. Errors keep their code in `name` (see src/errors.ts). */
import * as Comlink from 'comlink';
import type { EngineApi } from './api';

export type Engine = Comlink.Remote<EngineApi>;

let engine: Engine | undefined;

export function getEngine(): Engine {
  if (!engine) {
    const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
    engine = Comlink.wrap<EngineApi>(worker);
  }
  return engine;
}
