import { getEngine } from '../../workers/bridge';
import type { EngineInfo } from '../../workers/api';
import { describe } from './errors';
import type { Slice } from './slice';

export type GpuStatus = { state: 'starting' } | { state: 'ready'; adapter: string; features: string[] } | { state: 'error'; message: string };
export type Tab = 'write' | 'train';

/** The shipped model, served from public/weights. */
const SHIPPED_MODEL = { url: `${import.meta.env.BASE_URL}weights/shakespeare-char`, name: 'Shakespeare (char-level)' };

export interface EngineSlice {
  gpu: GpuStatus;
  engineInfo?: EngineInfo;
  tab: Tab;
  setTab(tab: Tab): void;
  /** Starts the device, then loads the shipped model. */
  boot(): Promise<void>;
}

export const createEngineSlice: Slice<EngineSlice> = (set, get) => ({
  gpu: { state: 'starting' },
  tab: 'write',
  setTab: (tab) => set({ tab }),
  boot: async () => {
    const engine = getEngine();
    let info: EngineInfo;
    try {
      info = await engine.init();
    } catch (e) {
      set({ gpu: { state: 'error', message: describe(e).message } });
      return;
    }
    const adapter = [info.adapter.vendor, info.adapter.architecture].filter(Boolean).join(' ') || 'unknown adapter';
    set({ gpu: { state: 'ready', adapter, features: info.features }, engineInfo: info });
    get().initTraining(info.presets);
    await get().loadModelFromUrl(SHIPPED_MODEL.url, SHIPPED_MODEL.name, 'The shipped model could not be loaded');
  },
});
