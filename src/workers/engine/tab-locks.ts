/**
 * Which tab trains which model. Each tab has its own worker, but the library (IndexedDB) is one per
 * origin, so a run holds a Web Lock named after its model for as long as it trains; the browser
 * releases it when the tab closes or crashes. Resuming or deleting a model asks for the same lock
 * without waiting (`ifAvailable`), and is refused in words when another tab holds it.
 */
import { EngineError } from '../../errors';

const lockName = (id: string) => `gpt-playground:model:${id}`;

/** Runs `fn` holding model `id`'s lock, or throws BUSY when another tab holds it. Without Web Locks (old browsers, Node) `fn` just runs. */
export async function withModelLock<T>(id: string, doing: string, fn: () => Promise<T>): Promise<T> {
  // A worker's navigator (WorkerNavigator) has `locks`; Node's global navigator does not.
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return fn();
  return locks.request(lockName(id), { ifAvailable: true }, async (lock: Lock | null) => {
    if (!lock) throw new EngineError('BUSY', `This model is being trained in another tab, so it cannot be ${doing} here. Stop it there first (or close that tab).`);
    return fn();
  });
}
