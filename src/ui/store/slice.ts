import type { StateCreator } from 'zustand';
import type { Store } from './index';

/** A slice of the one store: its creator sees (and may set) the whole store. */
export type Slice<T> = StateCreator<Store, [], [], T>;
