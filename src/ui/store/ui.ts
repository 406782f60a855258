/**
 * The page's own state: which tab is open. The tabs are data (TABS): a new view adds its entry
 * here and its panel in App.tsx.
 */
import type { Slice } from './slice';

export const TABS = [
  { id: 'write', label: 'Write' },
  { id: 'train', label: 'Train' },
  { id: 'models', label: 'Models' },
  { id: 'how', label: 'How it works' },
] as const;

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
