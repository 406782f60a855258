/**
 * The worker's half of a call that streams (the UI's half: src/workers/bridge.ts streamCall).
 * Numbers each event it sends through the call's callback and counts them, so that the result can
 * say how many there were (`Streamed.events` in src/workers/api.ts). An event whose buffers should
 * move rather than be copied is passed through Comlink.transfer before `emit`.
 */
import type { OnEvent } from '../api';

export interface EventStream<E> {
  /** Sends `e` with the next number (0, 1, 2, ...). */
  emit(e: E): void;
  /** Events sent so far: what the call's result carries as `events`. */
  readonly sent: number;
}

export function eventStream<E>(onEvent: OnEvent<E>): EventStream<E> {
  let sent = 0;
  return {
    emit: (e) => onEvent(e, sent++),
    get sent() {
      return sent;
    },
  };
}
