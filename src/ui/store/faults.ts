/**
 * Faults the engine reports outside any call (EngineApi.watchFaults): a GPU error no scope caught
 * is shown with its code; a lost GPU device is recovered from. The engine creates a new device on
 * the next load, so recovery is a load: the weights last saved by a training run that the loss
 * interrupted, else the model in use (what the page opens at start: the active library model, a
 * model loaded from a URL (from the Cache API), or the shipped one).
 */
import type { DebugFault, EngineFault } from '../../workers/api';
import { getEngine } from '../../workers/bridge';
import { formatNumber, render, t } from '../i18n';
import type { Slice } from './slice';

/** Faults are told on the 'engine' surface (the page-wide role "alert" message). */
export interface FaultSlice {
  /** True while a lost device's model is being brought back. */
  recovering: boolean;
  handleFault(f: EngineFault): Promise<void>;
}

/** How long recovery waits for an interrupted training run to hand the GPU back. */
const SETTLE_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const createFaultSlice: Slice<FaultSlice> = (set, get) => ({
  recovering: false,
  handleFault: async (f) => {
    if (f.kind === 'gpu-error') {
      const { code, message } = f;
      get().say('engine', () => t('models:fault.gpuError', { code, message }), code);
      return;
    }
    if (get().recovering) return;
    const wasTraining = get().trainStatus !== 'idle';
    set({ recovering: true });
    const { message } = f;
    get().say('engine', () => t('models:fault.recovering', { message }), 'DEVICE_LOST');
    try {
      // The interrupted run fails with DEVICE_LOST on its own; the GPU is free once it has.
      for (const t0 = Date.now(); get().trainStatus !== 'idle' && Date.now() - t0 < SETTLE_MS; ) await sleep(100);
      const saved = wasTraining ? get().savedId : undefined;
      const name = get().model?.name;
      for (let attempt = 0; ; attempt++) {
        get().clearMessage('models');
        if (saved) await get().openStoredModel(saved);
        else await get().openStartModel();
        const err = get().messages.models;
        if (!err) break;
        // BUSY: a job that the loss interrupted has not ended yet; anything else is final.
        if (attempt >= 5 || err.code !== 'BUSY') throw new Error(render(err.text));
        await sleep(1000);
      }
      const back = get().model;
      const step = saved ? get().savedStep : undefined;
      const backName = back?.name ?? name;
      get().clearMessage('write');
      get().say(
        'engine',
        () => {
          const values = { message, name: backName ?? t('models:fault.theModel') };
          const said = step !== undefined ? t('models:fault.backFrom', { ...values, step: formatNumber(step) }) : t('models:fault.back', values);
          return wasTraining ? `${said} ${t('models:fault.trainAgain')}` : said;
        },
        'DEVICE_LOST',
      );
    } catch (e) {
      const error = (e as Error).message;
      get().say('engine', () => t('models:fault.failed', { message, error }), 'DEVICE_LOST');
    } finally {
      set({ recovering: false });
    }
  },
});

/** Test hooks (?test-hooks in the page URL): the e2e tests cause faults through window.__gptTestHooks. */
export function installTestHooks(): boolean {
  if (!new URLSearchParams(location.search).has('test-hooks')) return false;
  (window as unknown as { __gptTestHooks: unknown }).__gptTestHooks = {
    fault: (kind: DebugFault) => getEngine().debugFault(kind),
    gpuBytesInUse: () => getEngine().gpuBytesInUse(),
  };
  return true;
}
