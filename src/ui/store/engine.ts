import * as Comlink from 'comlink';
import { getEngine } from '../../workers/bridge';
import type { EngineInfo, NoWebGpuReason, TuningProgress } from '../../workers/api';
import { errorText, t, type Words } from '../i18n';
import { describe } from './errors';
import { installTestHooks } from './faults';
import type { Slice } from './slice';

export type GpuStatus =
  | { state: 'starting' }
  | { state: 'ready'; adapter: string; features: string[] }
  /** No WebGPU: the engine runs small models on the CPU; `reason` says which step failed. */
  | { state: 'cpu'; reason: NoWebGpuReason; message: string }
  | { state: 'error'; message: Words };

/** The engine answers init() within seconds; past this, say so instead of waiting forever. */
const INIT_TIMEOUT_MS = 60_000;
const TIMED_OUT = new Error('The engine did not start in time.');

export interface EngineSlice {
  gpu: GpuStatus;
  engineInfo?: EngineInfo;
  /** Starts the device, then opens the model in use last visit (or the shipped one). */
  boot(): Promise<void>;
}

export const createEngineSlice: Slice<EngineSlice> = (set, get) => ({
  gpu: { state: 'starting' },
  boot: async () => {
    const engine = getEngine();
    let info: EngineInfo;
    try {
      info = await Promise.race([
        engine.init(
          { testHooks: installTestHooks() },
          // A first visit tunes the kernels in the background after init has answered: its progress and verdict update the status line.
          Comlink.proxy((p: TuningProgress) => {
            const info = get().engineInfo;
            if (p.tuning && info) set({ engineInfo: { ...info, tuning: p.tuning, ...(p.weights && { weights: p.weights }) } });
          }),
        ),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(TIMED_OUT), INIT_TIMEOUT_MS),
        ),
      ]);
    } catch (e) {
      const { code, message } = describe(e);
      set({ gpu: { state: 'error', message: e === TIMED_OUT ? () => t('frame:gpu.timeout', { seconds: INIT_TIMEOUT_MS / 1000 }) : () => errorText(code, message) } });
      return;
    }
    if (info.backend === 'cpu') {
      const why = info.noWebGpu ?? { reason: 'no-api' as const, message: 'WebGPU is unavailable.' };
      set({ gpu: { state: 'cpu', ...why }, engineInfo: info });
      get().say('train', () => t('frame:gpu.noTrainingOnCpu'));
    } else {
      const adapter = [info.adapter.vendor, info.adapter.architecture].filter(Boolean).join(' ');
      set({ gpu: { state: 'ready', adapter, features: info.features }, engineInfo: info });
      // Device loss and uncaptured GPU errors reach the page (src/ui/store/faults.ts), not only the worker's console.
      void engine.watchFaults(Comlink.proxy((f) => void get().handleFault(f)));
      get().initTraining(info.presets);
    }
    get().watchLibrary();
    await get().openStartModel();
  },
});
