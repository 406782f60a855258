/**
 * Typed engine errors, shared by the engine and the UI (the one module both import). The code travels through Comlink (which keeps only name/message/stack)
 * in `name`, so the UI can react to it; the message says what to do.
 */
export type EngineErrorCode =
  | 'NO_WEBGPU'
  | 'DEVICE_LOST'
  | 'OUT_OF_MEMORY'
  | 'GPU_VALIDATION'
  | 'BAD_CHECKPOINT'
  | 'BAD_CORPUS'
  | 'BAD_CONFIG'
  | 'TOO_LARGE'
  | 'DIVERGED'
  | 'ABORTED'
  | 'BUSY' // another job holds the GPU (e.g. training runs): the message says what to stop first
  | 'STORAGE' // browser storage refused a write (quota) or failed a read
  | 'NETWORK'; // a model's files could not be fetched: not found, blocked (CORS), connection lost

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = `EngineError:${code}`;
  }
}

/** Recovers the code of an error that crossed a worker boundary (only name/message survive). */
export function engineErrorCode(err: unknown): EngineErrorCode | undefined {
  const name = (err as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && name.startsWith('EngineError:')) return name.slice(12) as EngineErrorCode;
  return undefined;
}
