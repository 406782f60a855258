/**
 * Compiling pipelines ahead, asynchronously and in parallel.
 *
 * A kernel wrapper asks for its pipeline with getPipeline (src/gpu/dispatch.ts), synchronously, when
 * its dispatch is built. A browser compiles that pipeline later, in the GPU process, one after the
 * other, and the first submit that uses it waits (44-800 ms a kernel on SwiftShader). Which
 * pipelines a piece of work needs is only known by building it; so `recordPipelines` builds it on a
 * *recording device* (creates no GPU object at all: buffers, bind groups, encoders and pipelines
 * are stand-ins; the limits, features and subgroup probe are the real device's) and collects the
 * pipeline descriptors it asked for. `compileAhead` then compiles them on the real device with
 * createComputePipelineAsync, all at once (the GPU process compiles them on its worker threads,
 * beside the weights' upload), and puts each in getPipeline's cache, where the real build finds it.
 */
import { cachePipeline, cachedPipeline, pipelineKey } from './dispatch';
import { shareSubgroupsProbe } from './subgroups';

/** A pipeline as getPipeline asks for it. */
export interface PipelineSpec {
  label: string;
  code: string;
  entryPoint: string;
  constants: Record<string, number>;
}

/** A stand-in for any GPU object: every property is a function that returns another stand-in. */
function standIn(): unknown {
  const fn = () => standIn();
  return new Proxy(fn, { get: (_t, p) => (p === 'then' ? undefined : fn), apply: fn });
}

function fakeBuffer(desc: GPUBufferDescriptor): GPUBuffer {
  const buffer = {
    label: desc.label ?? '',
    size: desc.size,
    usage: desc.usage,
    mapState: 'unmapped',
    destroy: () => undefined,
    mapAsync: () => Promise.resolve(),
    getMappedRange: (offset = 0, size?: number) => new ArrayBuffer(size ?? desc.size - offset),
    unmap: () => undefined,
  };
  return buffer as unknown as GPUBuffer;
}

/**
 * A device that records what `build` would compile on `real` without creating anything on it.
 * `build` may submit, map and read back: every read gives zeros. Returns the pipelines in the
 * order they were asked for (each once).
 */
export async function recordPipelines(real: GPUDevice, build: (device: GPUDevice) => void | Promise<void>): Promise<PipelineSpec[]> {
  const specs = new Map<string, PipelineSpec>();
  const queue = { label: 'recording', writeBuffer: () => undefined, writeTexture: () => undefined, submit: () => undefined, onSubmittedWorkDone: () => Promise.resolve(), copyExternalImageToTexture: () => undefined };
  const overrides: Record<string | symbol, unknown> = {
    queue,
    createBuffer: fakeBuffer,
    createBindGroup: () => ({ label: 'recording' }),
    createBindGroupLayout: () => ({ label: 'recording' }),
    createPipelineLayout: () => ({ label: 'recording' }),
    createCommandEncoder: () => standIn(),
    createQuerySet: () => standIn(),
    createShaderModule: (d: GPUShaderModuleDescriptor) => ({ label: d.label ?? '', code: d.code, getCompilationInfo: () => Promise.resolve({ messages: [] }) }),
    createComputePipeline: (d: GPUComputePipelineDescriptor) => {
      const spec: PipelineSpec = {
        label: d.label ?? '',
        code: (d.compute.module as unknown as { code: string }).code,
        entryPoint: d.compute.entryPoint ?? 'main',
        constants: { ...(d.compute.constants as Record<string, number> | undefined) },
      };
      specs.set(pipelineKey(spec), spec);
      return { label: spec.label, getBindGroupLayout: () => ({ label: 'recording' }) };
    },
    pushErrorScope: () => undefined,
    popErrorScope: () => Promise.resolve(null),
    destroy: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  };
  const device = new Proxy(real, {
    get(target, p) {
      if (p in overrides) return overrides[p];
      const v = Reflect.get(target, p, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  shareSubgroupsProbe(real, device);
  await build(device);
  return [...specs.values()];
}

/** What compileAhead did: ms from its start until each pipeline was ready, and in all. */
export interface CompileReport {
  /** Per pipeline (label/entry point), ms from the start of the batch until it compiled. */
  pipelines: { label: string; ms: number }[];
  /** Wall ms until the last one was ready. */
  ms: number;
  /** Pipelines already in the cache (built before): not compiled again. */
  cached: number;
}

/**
 * Compiles `specs` on `device` with createComputePipelineAsync, all started at once, and puts each
 * in getPipeline's cache. A pipeline that fails here is left out (its first use builds it the usual
 * way, and reports the error there).
 */
export async function compileAhead(device: GPUDevice, specs: readonly PipelineSpec[], now: () => number = () => performance.now()): Promise<CompileReport> {
  const t0 = now();
  const todo = specs.filter((s) => !cachedPipeline(device, s));
  const modules = new Map<string, GPUShaderModule>();
  const pipelines = await Promise.all(
    todo.map(async (s) => {
      let module = modules.get(s.code);
      if (!module) modules.set(s.code, (module = device.createShaderModule({ label: s.label, code: s.code })));
      try {
        const pipe = await device.createComputePipelineAsync({ label: s.label, layout: 'auto', compute: { module, entryPoint: s.entryPoint, constants: s.constants } });
        if (!cachedPipeline(device, s)) cachePipeline(device, s, pipe); // a build that could not wait made its own meanwhile
        return { label: `${s.label}/${s.entryPoint}`, ms: Math.round(now() - t0) };
      } catch (e) {
        console.warn(`compiling ${s.label} ahead failed:`, e);
        return undefined;
      }
    }),
  );
  return { pipelines: pipelines.filter((p): p is { label: string; ms: number } => !!p), ms: Math.round(now() - t0), cached: specs.length - todo.length };
}
