/**
 * The page's languages: i18next with react-i18next. English and 中文; the first visit follows
 * navigator.language, the header's switch changes it at once and it is remembered (localStorage).
 * Strings live in namespaces (resources.ts), one module per view with both languages side by side.
 * Error codes stay codes: their words are chosen here, at the edge, never in the engine.
 */
import i18next from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import type { EngineErrorCode } from '../../errors';
import { LANGUAGES, RESOURCES, type Language } from './resources';

export { LANGUAGES, type Language } from './resources';
export { useTranslation };

const STORAGE_KEY = 'gpt-playground.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The remembered choice, else the browser's first language that is one of ours, else English. */
export function pickLanguage(stored: string | null, browser: readonly string[]): Language {
  if (isLanguage(stored)) return stored;
  for (const tag of browser) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

function storedLanguage(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage blocked: follow the browser
  }
}

/** The browser's languages (none in Node, whose navigator has no language list). */
function browserLanguages(): string[] {
  if (typeof navigator === 'undefined') return [];
  return [...(navigator.languages ?? []), navigator.language].filter((l): l is string => typeof l === 'string');
}

const initial = pickLanguage(storedLanguage(), browserLanguages());

void i18next.use(initReactI18next).init({
  resources: RESOURCES,
  lng: initial,
  fallbackLng: 'en',
  defaultNS: 'common',
  ns: Object.keys(RESOURCES.en),
  interpolation: { escapeValue: false }, // React escapes
  initAsync: false,
  returnNull: false,
});
setDocumentLanguage(initial);

function setDocumentLanguage(lang: Language): void {
  if (typeof document !== 'undefined' && document.documentElement) document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

/** Switches the whole page at once and remembers the choice. */
export function setLanguage(lang: Language): void {
  void i18next.changeLanguage(lang);
  setDocumentLanguage(lang);
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered; the switch still applies to this visit
  }
}

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : 'en';
}

/** For code outside React (store slices, number formats): the same t as the components'. */
export const t = i18next.t.bind(i18next);
export { i18next };

/**
 * Words the store keeps to show later: a literal (a name, a file's own text) or a function that
 * renders them in the current language when shown, so a language switch re-renders them at once.
 */
export type Words = string | (() => string);

/** The text of `words` in the current language. */
export function render(words: Words): string {
  return typeof words === 'function' ? words() : words;
}

/**
 * An engine error as the page says it (the edge where codes become words). English: the engine's
 * message as is (it is written in English and carries the specifics). Other languages: the code's
 * sentence (namespace `errors`), then the engine's message as the detail. No code: the message,
 * after "Something went wrong." in other languages.
 */
export function errorText(code: EngineErrorCode | undefined, message: string): string {
  if (currentLanguage() === 'en') return message || t(code ? `errors:code.${code}` : 'errors:unknown');
  const sentence = t(code ? `errors:code.${code}` : 'errors:unknown');
  return message ? `${sentence}\n${t('errors:detail', { detail: message })}` : sentence;
}

/** Formatters by language and options: making an Intl.NumberFormat costs far more than using one (a view may format hundreds of numbers a frame). */
const formatters = new Map<string, Intl.NumberFormat>();

/** A number as text in the current language (Intl.NumberFormat): the one place numbers are formatted for reading. */
export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  const locale = currentLanguage() === 'zh' ? 'zh-CN' : 'en-US';
  const key = `${locale} ${options ? JSON.stringify(options) : ''}`;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Intl.NumberFormat(locale, options)));
  return f.format(value);
}
