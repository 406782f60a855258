import 'i18next';
import type { EnglishResources } from './resources';

// i18next's typings check every t('key') against the English resources (and its placeholders).
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'common';
    resources: EnglishResources;
  }
}
