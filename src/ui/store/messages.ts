/**
 * What the page has to tell the user, one message per surface (the part of the page that shows
 * it): the Write panel, the Train panel, the model bar (loading, the library), the Model URL
 * loader's notices, and engine faults (device lost, GPU errors). Each holds the engine error's
 * code, when there is one, so code that reacts to a failure reads the code, never the words.
 */
import type { EngineErrorCode } from '../../errors';
import { describe } from './errors';
import type { Slice } from './slice';

export type Surface = 'write' | 'train' | 'models' | 'load' | 'engine';

export interface Message {
  /** The engine error's code (src/errors.ts); undefined for a notice or an error without one. */
  code?: EngineErrorCode;
  text: string;
}

export interface MessagesSlice {
  messages: Partial<Record<Surface, Message>>;
  /** Shows `text` on `surface`, replacing what it showed. */
  say(surface: Surface, text: string, code?: EngineErrorCode): void;
  /** Shows an engine error (its code and message), after `prefix` and ': ' when given. */
  sayError(surface: Surface, e: unknown, prefix?: string): void;
  clearMessage(surface: Surface): void;
}

export const createMessagesSlice: Slice<MessagesSlice> = (set) => ({
  messages: {},
  say: (surface, text, code) => set((s) => ({ messages: { ...s.messages, [surface]: { code, text } } })),
  sayError: (surface, e, prefix) => {
    const { code, message } = describe(e);
    set((s) => ({ messages: { ...s.messages, [surface]: { code, text: prefix ? `${prefix}: ${message}` : message } } }));
  },
  clearMessage: (surface) =>
    set((s) => {
      if (!s.messages[surface]) return s;
      const { [surface]: _gone, ...rest } = s.messages;
      return { messages: rest };
    }),
});
