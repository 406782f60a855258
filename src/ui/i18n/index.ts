/**
 * The page's languages: i18next with react-i18next. English and 中文; the first visit follows
 * navigator.language, the header's switch changes it at once and it is remembered (localStorage).
 * Strings live in namespaces (resources.ts), one module per view with both languages side by side.
 * Error codes stay codes: their words are chosen here, at the edge, never in the engine.
 */
import i18next from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
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

// (A navigator without languages, as the store tests' stub in Node, follows none.)
const initial = pickLanguage(storedLanguage(), typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]).filter((l) => typeof l === 'string'));

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
