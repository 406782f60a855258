/**
 * The shape every translation of a namespace has: the English object's keys, nested the same way,
 * each value a string. English is written `as const` (its literal types let i18next's typings check
 * every `t('key')` and its `{{placeholders}}`); other languages are `Translation<typeof en>`, so a
 * key missing or added in one language is a type error as well as a failed test (i18n.test.ts).
 */
export type Translation<T> = { readonly [K in keyof T]: T[K] extends string ? string : Translation<T[K]> };

/** A namespace: its English text and its Chinese text, side by side in one module. */
export interface Namespace<T> {
  en: T;
  zh: Translation<T>;
}
