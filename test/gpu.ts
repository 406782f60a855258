/**
 * The test device: one per test worker, on a real WebGPU adapter (Dawn + lavapipe without a GPU).
 * No adapter is a failure, never a skip: a GPU test that cannot run has not passed.
 */
import { createNodeContext } from '../src/node/webgpu';
import type { GpuContext } from '../src/gpu/device';

let ctx: Promise<GpuContext> | undefined;

export function testContext(): Promise<GpuContext> {
  ctx ??= createNodeContext().catch((e: Error) => {
    throw new Error(
      `GPU tests need a WebGPU adapter and none was found (${e.message}). ` +
        'Run `sudo bash scripts/setup-system.sh` to install Mesa lavapipe (software Vulkan), or run on a machine with a GPU.',
    );
  });
  return ctx;
}

export async function testDevice(): Promise<GPUDevice> {
  return (await testContext()).device;
}
