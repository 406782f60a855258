/**
 * The test device: one per test worker, on a real WebGPU adapter (Dawn + lavapipe without a GPU).
 * No adapter is a failure, never a skip: a GPU test that cannot run has not passed.
 */
import { createNodeContext } from '../src/node/webgpu';
import type { GpuContext } from '../src/gpu/device';
import { subgroupsUsable } from '../src/gpu/subgroups';

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

/**
 * Whether the subgroup kernels can run on the test device (src/gpu/subgroups.ts's probe). Under CI
 * the adapter is lavapipe, which has them: their absence there is a failure, not a skip.
 */
export async function subgroupKernelsRun(): Promise<boolean> {
  const usable = subgroupsUsable(await testDevice());
  if (!usable && process.env.CI) throw new Error('the CI adapter (lavapipe) should run the subgroup kernels, but the probe refused them');
  return usable;
}
