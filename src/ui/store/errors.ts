import { engineErrorCode, type EngineErrorCode } from '../../errors';

/** An error from the engine as the UI shows it: its code (when it has one) and its message. */
export function describe(e: unknown): { code?: EngineErrorCode; message: string } {
  const message = e instanceof Error ? e.message : String(e);
  return { code: engineErrorCode(e), message };
}
