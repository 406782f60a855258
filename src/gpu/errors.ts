/** Moved to src/errors.ts (shared by the engine and the UI). */
export * from '../errors';
