/**
 * The page's own state: which tab is open. The tabs are data (TABS): a new view adds its entry
 * here, its panel in App.tsx and its label in the `frame` namespace (tabs.<id>, src/ui/i18n/frame.ts).
 */
import type { Slice } from './slice';

export const TABS = [{ id: 'write' }, { id: 'train' }, { id: 'models' }, { id: 'how' }] as const;

export type Tab = (typeof TABS)[number]['id'];

export interface UiSlice {
  tab: Tab;
  setTab(tab: Tab): void;
}

export const createUiSlice: Slice<UiSlice> = (set, get) => ({
  tab: 'write',
  setTab: (tab) => {
    set({ tab });
    // The list may have changed under a running training (a save at each evaluation).
    if (tab === 'models') void get().refreshLibrary();
  },
});
