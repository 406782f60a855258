/**
 * What the page has to tell the user, one message per surface (the part of the page that shows
 * it): the Write panel, the Train panel, the model bar (loading, the library), the Model URL
 * loader's notices, and engine faults (device lost, GPU errors). Each holds the engine error's
 * code, when there is one, so code that reacts to a failure reads the code, never the words.
 * The words are kept as Words (src/ui/i18n): a function renders them in the language shown at the
 * time, so switching language re-words every message at once; `render(m.text)` gives the string.
 */
import type { EngineErrorCode } from '../../errors';
import { errorText, render, t, type Words } from '../i18n';
import { describe } from './errors';
import type { Slice } from './slice';

export type Surface = 'write' | 'train' | 'models' | 'load' | 'engine';

export interface Message {
  /** The engine error's code (src/errors.ts); undefined for a notice or an error without one. */
  code?: EngineErrorCode;
  text: Words;
}

export interface MessagesSlice {
  messages: Partial<Record<Surface, Message>>;
  /** Shows `text` on `surface`, replacing what it showed. */
  say(surface: Surface, text: Words, code?: EngineErrorCode): void;
  /** Shows an engine error (its code's words and the engine's message: errorText), after `prefix` and ': ' when given. */
  sayError(surface: Surface, e: unknown, prefix?: Words): void;
  clearMessage(surface: Surface): void;
}

export const createMessagesSlice: Slice<MessagesSlice> = (set) => ({
  messages: {},
  say: (surface, text, code) => set((s) => ({ messages: { ...s.messages, [surface]: { code, text } } })),
  sayError: (surface, e, prefix) => {
    const { code, message } = describe(e);
    const text = () => (prefix ? t('errors:withPrefix', { prefix: render(prefix), text: errorText(code, message) }) : errorText(code, message));
    set((s) => ({ messages: { ...s.messages, [surface]: { code, text } } }));
  },
  clearMessage: (surface) =>
    set((s) => {
      if (!s.messages[surface]) return s;
      const { [surface]: _gone, ...rest } = s.messages;
      return { messages: rest };
    }),
});

/** A message as it reads now (its words rendered in the current language), with its code. */
export function shownMessage(m: Message | undefined): { code?: EngineErrorCode; text: string } | undefined {
  return m && { code: m.code, text: render(m.text) };
}
