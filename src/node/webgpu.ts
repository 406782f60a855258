/**
 * WebGPU in Node through Dawn (`webgpu` on npm). Used by the CLI, the tests and the benchmarks.
 * With no GPU, Dawn needs a software Vulkan driver: we default to Mesa lavapipe when it is
 * installed (scripts/setup-system.sh) and the user has not chosen a driver.
 */
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { createGpuContext, gpuErrorCode, NoWebGpuError, type GpuContext } from '../gpu/device';

const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';

let gpuSingleton: GPU | undefined;

export function nodeGpu(): GPU {
  if (!gpuSingleton) {
    if (!process.env.VK_ICD_FILENAMES && !process.env.WEBGPU_REAL_GPU && !hasRealVulkanIcd() && existsSync(LAVAPIPE_ICD)) {
      process.env.VK_ICD_FILENAMES = LAVAPIPE_ICD;
    }
    Object.assign(globalThis, globals);
    gpuSingleton = create([]) as unknown as GPU;
  }
  return gpuSingleton;
}

/** True when a non-software Vulkan ICD (e.g. NVIDIA's) is installed: then let the loader pick it. */
function hasRealVulkanIcd(): boolean {
  return ['/usr/share/vulkan/icd.d/nvidia_icd.json', '/etc/vulkan/icd.d/nvidia_icd.json'].some((p) => existsSync(p));
}

export async function createNodeContext(): Promise<GpuContext> {
  try {
    return await createGpuContext(nodeGpu(), { onUncapturedError: (e) => console.error(`[webgpu] uncaptured ${gpuErrorCode(e)} error:`, e.message) });
  } catch (e) {
    // In Node the fix is a Vulkan driver, not a browser setting: say that instead.
    if (e instanceof NoWebGpuError && e.reason === 'no-adapter') {
      throw new NoWebGpuError(
        'no-adapter',
        'No WebGPU adapter was found: Dawn needs a Vulkan driver. Install one (`sudo bash scripts/setup-system.sh` installs Mesa lavapipe, a CPU driver), ' +
          `or point VK_ICD_FILENAMES at your driver's ICD file${process.env.VK_ICD_FILENAMES ? ` (now ${process.env.VK_ICD_FILENAMES})` : ''}.`,
      );
    }
    throw e;
  }
}
