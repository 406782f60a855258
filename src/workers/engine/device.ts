/**
 * The worker's GPU device: created on first use, recreated after a loss. Whoever holds GPU
 * objects registers a reset callback, so a lost device drops them all in one place.
 */
import { createGpuContext, NoWebGpuError, type GpuContext, type NoWebGpuReason } from '../../gpu/device';
import { EngineError } from '../../errors';

let ctx: GpuContext | undefined;
/** Why there is no model any more, when the device was lost. */
let lostMessage: string | undefined;
const onLost: ((message: string) => void)[] = [];

export async function device(): Promise<GpuContext> {
  if (!ctx) {
    const created = await createGpuContext((self.navigator as Navigator).gpu);
    ctx = created;
    created.lost.then((info) => {
      if (ctx !== created) return;
      ctx = undefined; // the next device() call creates a new one
      if (info.reason === 'destroyed') return;
      console.error('GPU device lost:', info.message);
      lostMessage = `The GPU device was lost${info.message ? ` (${info.message})` : ''}, and the model with it. Load the model again (or reload the page); a new device is created on the next load.`;
      for (const f of onLost) f(lostMessage);
    });
  }
  return ctx;
}

/** Registers what to drop when the device is lost. */
export function whenLost(f: (message: string) => void): void {
  onLost.push(f);
}

/** The error to report for a failure that happened because the device was lost, else `e` itself. */
export function lostOr(e: unknown): unknown {
  return lostMessage && !ctx ? new EngineError('DEVICE_LOST', lostMessage) : e;
}

export function deviceLostMessage(): string | undefined {
  return ctx ? undefined : lostMessage;
}

export function clearLost(): void {
  lostMessage = undefined;
}

/** Why this browser has no WebGPU device, once a first attempt failed; the engine then runs on the CPU. */
let noWebGpu: { reason: NoWebGpuReason; message: string } | undefined;

/**
 * The device, or 'cpu' when the browser has no WebGPU (no navigator.gpu, no adapter, or no device):
 * small models then generate on the CPU (src/reference/decode.ts) and training is not offered.
 * Decided once per worker; any other failure is thrown.
 */
export async function backend(): Promise<GpuContext | 'cpu'> {
  if (noWebGpu) return 'cpu';
  try {
    return await device();
  } catch (e) {
    if (!(e instanceof NoWebGpuError)) throw e;
    noWebGpu = { reason: e.reason, message: e.message };
    return 'cpu';
  }
}

export function webGpuProblem(): { reason: NoWebGpuReason; message: string } | undefined {
  return noWebGpu;
}
