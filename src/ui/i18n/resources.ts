import { a11y } from './a11y';
import { bpe } from './bpe';
import { common } from './common';
import { errors } from './errors';
import { frame } from './frame';
import { how } from './how';
import { write } from './write';
import { offline } from './offline';
import { probe } from './probe';
import { storage } from './storage';

/**
 * Every namespace of the page, by name. A new view adds its module here (one line); its strings
 * live in that module, English and Chinese side by side.
 */
export const NAMESPACES = { common, errors, frame, how, write, offline, a11y, bpe, storage, probe } as const;

export type NamespaceName = keyof typeof NAMESPACES;

/** The languages of the page, in the order the header's switch lists them. */
export const LANGUAGES = ['en', 'zh'] as const;
export type Language = (typeof LANGUAGES)[number];

type Resources<L extends Language> = { [N in NamespaceName]: (typeof NAMESPACES)[N][L] };

function resourcesFor<L extends Language>(lang: L): Resources<L> {
  return Object.fromEntries(Object.entries(NAMESPACES).map(([name, ns]) => [name, ns[lang]])) as Resources<L>;
}

export const RESOURCES = { en: resourcesFor('en'), zh: resourcesFor('zh') };
export type EnglishResources = Resources<'en'>;
