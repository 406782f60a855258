/**
 * Subgroups (WebGPU's `subgroups` feature): whether this device may run the kernels that share
 * loaded values between the invocations of a subgroup (matmul's A fragments).
 *
 * Those kernels assume two things WGSL does not promise: subgroups of a multiple of 8 invocations,
 * and invocations numbered in order (subgroup_invocation_id = local_invocation_index mod
 * subgroup_size) for 8x8 and 8x1 workgroups. `probeSubgroups` checks both on the device itself,
 * once, when the device is created; anything else (no feature, other sizes, another numbering)
 * keeps the plain kernels.
 */
import { createBuffer, USAGE } from './buffers';

const ok = new WeakMap<GPUDevice, boolean>();

const PROBE = /* wgsl */ `
enable subgroups;
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
// One 8x8 workgroup, then one 8x1 workgroup (the two shapes matmul uses): per invocation, 1 if its
// subgroup is a multiple of 8 wide and numbers it local_invocation_index mod subgroup_size.
@compute @workgroup_size(8, 8)
fn wide(@builtin(local_invocation_index) i: u32, @builtin(subgroup_invocation_id) s: u32, @builtin(subgroup_size) n: u32) {
  out[i] = select(0u, 1u, n % 8u == 0u && s == i % n);
}
@compute @workgroup_size(8, 1)
fn narrow(@builtin(local_invocation_index) i: u32, @builtin(subgroup_invocation_id) s: u32, @builtin(subgroup_size) n: u32) {
  out[64u + i] = select(0u, 1u, n % 8u == 0u && s == i % n);
}
`;

/** Runs the probe (a few microseconds of GPU work) and remembers the answer for `subgroupsUsable`. */
export async function probeSubgroups(device: GPUDevice): Promise<boolean> {
  let usable = false;
  if (device.features.has('subgroups')) {
    device.pushErrorScope('validation');
    const out = createBuffer(device, { size: 72 * 4, usage: USAGE.STORAGE | USAGE.COPY_SRC });
    const read = createBuffer(device, { size: 72 * 4, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const module = device.createShaderModule({ label: 'subgroups_probe', code: PROBE });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const entryPoint of ['wide', 'narrow']) {
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint } });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] }));
      pass.dispatchWorkgroups(1);
    }
    pass.end();
    enc.copyBufferToBuffer(out, 0, read, 0, 72 * 4);
    device.queue.submit([enc.finish()]);
    const error = await device.popErrorScope();
    if (!error) {
      await read.mapAsync(1 /* GPUMapMode.READ */);
      usable = new Uint32Array(read.getMappedRange()).every((v) => v === 1);
      read.unmap();
    }
    out.destroy();
    read.destroy();
  }
  ok.set(device, usable);
  return usable;
}

/** Whether the subgroup kernels may run on this device (false until probed). */
export function subgroupsUsable(device: GPUDevice): boolean {
  return ok.get(device) ?? false;
}

/** Gives `to` the probe's answer for `from` (the recording device of src/gpu/compile.ts stands in for a real one). */
export function shareSubgroupsProbe(from: GPUDevice, to: GPUDevice): void {
  ok.set(to, subgroupsUsable(from));
}
