/**
 * The engine thread. Everything GPU runs here, behind Comlink, so the UI never blocks.
 * The UI imports only the *type* of this API (`EngineApi`), never the engine's modules.
 */
import * as Comlink from 'comlink';
import { createGpuContext, type GpuContext } from '../gpu/device';

let ctx: GpuContext | undefined;

const api = {
  /** Creates the GPU device; returns what the status bar shows. */
  async init(): Promise<{ adapter: GpuContext['adapterInfo']; features: string[]; maxBufferMB: number }> {
    ctx ??= await createGpuContext((self.navigator as Navigator).gpu);
    return {
      adapter: ctx.adapterInfo,
      features: ctx.features,
      maxBufferMB: Math.round(ctx.device.limits.maxBufferSize / 2 ** 20),
    };
  },
};

export type EngineApi = typeof api;
Comlink.expose(api);
