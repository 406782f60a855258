/** Runs `fn` and returns the EngineError it throws, failing the test if it throws none or another error. */
import { expect } from 'vitest';
import { EngineError } from '../src/errors';

export function engineError(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error('expected an EngineError');
}
