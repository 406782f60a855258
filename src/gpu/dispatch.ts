/**
 * The small vocabulary every kernel wrapper shares.
 *
 * A kernel wrapper turns buffers + sizes into `Dispatch` objects once, at load time (pipeline,
 * bind group, uniform buffer, workgroup counts). The hot loop only encodes them: no pipeline,
 * buffer or bind-group creation per step.
 *
 * Binding convention in every .wgsl: @group(0) @binding(0) is the uniform `Params` struct (when
 * the kernel has one), bindings 1..n are storage buffers in the order the wrapper lists them.
 */

import { createBuffer, USAGE } from './buffers';

/** A region of a GPU buffer: offsets must be multiples of 256 bytes (minStorageBufferOffsetAlignment). */
export type Buf = GPUBufferBinding;

export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
  /** Uniform buffer holding Params, when the kernel has one; rewrite it with `setParams`. */
  params?: GPUBuffer;
  /**
   * Buffers made for this dispatch alone (its uniform buffer, a kernel's scratch), freed by
   * `destroyDispatch` (or destroyOps in src/model/ops.ts). The buffers it binds are the caller's.
   */
  owned: GPUBuffer[];
}

const pipelineCache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();
/**
 * Pipelines kept per device, the least recently used dropped beyond it: a page that trains model
 * after model (each shape its own specialisations) would otherwise keep every one it ever built
 * (the soak test's long run grew ~3 MiB a training). A dispatch holds its own pipeline, so one
 * dropped here stays alive while in use; a later build of it compiles again.
 */
export const PIPELINE_CACHE_MAX = 256;
const moduleCache = new WeakMap<GPUDevice, Map<string, GPUShaderModule>>();

/** What identifies a pipeline in the cache (src/gpu/compile.ts's PipelineSpec has these fields). */
interface PipelineId {
  label: string;
  code: string;
  entryPoint: string;
  constants: Record<string, number>;
}

/** The cache key of a pipeline: label, entry point, constants, and the code's length. */
export function pipelineKey(p: PipelineId): string {
  return `${p.label}|${p.entryPoint}|${JSON.stringify(p.constants)}|${p.code.length}`;
}

function pipelinesOf(device: GPUDevice): Map<string, GPUComputePipeline> {
  let pipes = pipelineCache.get(device);
  if (!pipes) pipelineCache.set(device, (pipes = new Map()));
  return pipes;
}

/** The cached pipeline, if getPipeline built it or compileAhead (src/gpu/compile.ts) compiled it. */
export function cachedPipeline(device: GPUDevice, p: PipelineId): GPUComputePipeline | undefined {
  return pipelinesOf(device).get(pipelineKey(p));
}

/** Keeps `pipe` as the most recently used under `key` (a Map iterates in insertion order), dropping the least recently used beyond PIPELINE_CACHE_MAX. */
function keep(pipes: Map<string, GPUComputePipeline>, key: string, pipe: GPUComputePipeline): void {
  pipes.delete(key);
  pipes.set(key, pipe);
  while (pipes.size > PIPELINE_CACHE_MAX) pipes.delete(pipes.keys().next().value!);
}

/** Puts a pipeline compiled elsewhere (createComputePipelineAsync, src/gpu/compile.ts) where getPipeline finds it. */
export function cachePipeline(device: GPUDevice, p: PipelineId, pipeline: GPUComputePipeline): void {
  keep(pipelinesOf(device), pipelineKey(p), pipeline);
}

/**
 * Returns the compute pipeline for `code` specialised by `constants` (WGSL `override`s),
 * created once per device and cached by (label, constants). One compiled ahead (compileAhead)
 * is taken from the cache: no compile at first use.
 */
export function getPipeline(
  device: GPUDevice,
  label: string,
  code: string,
  constants: Record<string, number> = {},
  entryPoint = 'main',
): GPUComputePipeline {
  const pipes = pipelinesOf(device);
  const key = pipelineKey({ label, code, entryPoint, constants });
  let pipe = pipes.get(key);
  if (!pipe) {
    let mods = moduleCache.get(device);
    if (!mods) moduleCache.set(device, (mods = new Map()));
    let module = mods.get(code);
    if (!module) mods.set(code, (module = device.createShaderModule({ label, code })));
    pipe = device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint, constants } });
  }
  keep(pipes, key, pipe);
  return pipe;
}

export interface DispatchSpec {
  label: string;
  pipeline: GPUComputePipeline;
  /** Bytes of the uniform Params struct (binding 0); omit when the kernel has no uniforms. */
  params?: ArrayBuffer | ArrayBufferView;
  /** Storage buffers, bound at 1..n in this order. */
  buffers: Buf[];
  workgroups: number | [number, number?, number?];
}

export function createDispatch(device: GPUDevice, spec: DispatchSpec): Dispatch {
  const entries: GPUBindGroupEntry[] = [];
  let params: GPUBuffer | undefined;
  if (spec.params) {
    const bytes = spec.params instanceof ArrayBuffer ? new Uint8Array(spec.params) : new Uint8Array(spec.params.buffer as ArrayBuffer, spec.params.byteOffset, spec.params.byteLength);
    params = createBuffer(device, {
      label: `${spec.label}.params`,
      size: Math.max(16, Math.ceil(bytes.byteLength / 16) * 16),
      usage: USAGE.UNIFORM | USAGE.COPY_DST,
    });
    device.queue.writeBuffer(params, 0, bytes);
    entries.push({ binding: 0, resource: { buffer: params } });
  }
  spec.buffers.forEach((b, i) => entries.push({ binding: i + 1, resource: b }));
  const bindGroup = device.createBindGroup({ label: spec.label, layout: spec.pipeline.getBindGroupLayout(0), entries });
  const wg = typeof spec.workgroups === 'number' ? [spec.workgroups] : spec.workgroups;
  const workgroups: [number, number, number] = [wg[0] ?? 1, wg[1] ?? 1, wg[2] ?? 1];
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  if (workgroups.some((n) => n > max)) {
    throw new Error(`${spec.label}: dispatch ${workgroups.join('x')} exceeds ${max} workgroups per dimension`);
  }
  return { label: spec.label, pipeline: spec.pipeline, bindGroup, workgroups, params, owned: params ? [params] : [] };
}

/** Frees what the dispatch owns (its uniform buffer, scratch); it must not be encoded again. Idempotent. */
export function destroyDispatch(d: Dispatch): void {
  for (const b of d.owned) b.destroy();
  d.owned.length = 0;
}

/** Rewrites a dispatch's uniforms (e.g. the decode position); takes effect at the next submit. */
export function setParams(device: GPUDevice, d: Dispatch, data: ArrayBuffer | ArrayBufferView): void {
  if (!d.params) throw new Error(`${d.label}: kernel has no params`);
  device.queue.writeBuffer(d.params, 0, data instanceof ArrayBuffer ? data : new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength));
}

/** Encodes dispatches in order into one compute pass (storage writes are visible to later dispatches). */
export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[]): void {
  for (const d of dispatches) {
    if (d.workgroups[0] === 0 || d.workgroups[1] === 0 || d.workgroups[2] === 0) continue;
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
}

/** Splits a 1-D count of workgroups into a 2-D grid that respects the 65535 per-dimension limit. */
export function grid1d(workgroups: number, maxPerDim = 65535): [number, number] {
  if (workgroups <= maxPerDim) return [Math.max(1, workgroups), 1];
  const y = Math.ceil(workgroups / maxPerDim);
  return [Math.ceil(workgroups / y), y];
}

/**
 * Whether n floats in each of `bufs` can be read as n / 4 vec4s: n a multiple of 4 and every view
 * 16-byte aligned. Elementwise kernels then take their `_vec4` entry point.
 */
export function isVec4(n: number, ...bufs: Buf[]): boolean {
  return n % 4 === 0 && bufs.every((b) => (b.offset ?? 0) % 16 === 0);
}

/** Packs a Params struct of u32/f32 fields (each 4 bytes, in WGSL declaration order). */
export function packParams(fields: ({ u32: number } | { f32: number } | { i32: number })[]): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const dv = new DataView(buf);
  fields.forEach((f, i) => {
    if ('u32' in f) dv.setUint32(i * 4, f.u32, true);
    else if ('i32' in f) dv.setInt32(i * 4, f.i32, true);
    else dv.setFloat32(i * 4, f.f32, true);
  });
  return buf;
}
