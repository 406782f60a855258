/**
 * Buffer creation, upload and read-back, and the count of GPU bytes the engine holds. Every
 * `readBuffer` is a CPU-GPU sync point.
 */

// WebGPU's usage flag values, spelled out so this module loads before any WebGPU globals exist (Node).
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
export const STORAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

/** Byte alignment of any view bound at an offset (WebGPU's minStorageBufferOffsetAlignment is at most 256). */
export const VIEW_ALIGN = 256;

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Bytes of the live buffers made by `createBuffer` below, per device. */
const bytesInUse = new WeakMap<GPUDevice, number>();

function count(device: GPUDevice, bytes: number): void {
  bytesInUse.set(device, (bytesInUse.get(device) ?? 0) + bytes);
}

/**
 * device.createBuffer, counted in `gpuBytesInUse` until the buffer's `destroy()` (the first call;
 * later calls do not count again). Every buffer the engine makes goes through here, so that the
 * count is what the engine holds (a buffer made with device.createBuffer directly is not counted).
 */
export function createBuffer(device: GPUDevice, descriptor: GPUBufferDescriptor): GPUBuffer {
  const buffer = device.createBuffer(descriptor);
  const bytes = descriptor.size;
  count(device, bytes);
  const destroy = buffer.destroy.bind(buffer);
  let live = true;
  buffer.destroy = () => {
    if (live) count(device, -bytes);
    live = false;
    destroy();
  };
  return buffer;
}

/**
 * Bytes of GPU buffers made through this module (storage, uniforms, staging) on `device` and not
 * yet destroyed: what the engine holds, for the UI to show and for tests to find leaks.
 */
export function gpuBytesInUse(device: GPUDevice): number {
  return bytesInUse.get(device) ?? 0;
}

/** The size createStorage gives a buffer asked for `bytes`: at least 4, a multiple of 4 (what the memory estimate counts). */
export function storageSize(bytes: number): number {
  return alignUp(Math.max(bytes, 4), 4);
}

export function createStorage(device: GPUDevice, label: string, bytes: number): GPUBuffer {
  return createBuffer(device, { label, size: storageSize(bytes), usage: STORAGE });
}

export function uploadBuffer(device: GPUDevice, label: string, data: Float32Array | Uint32Array | Int32Array): GPUBuffer {
  const buf = createStorage(device, label, data.byteLength);
  device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
  return buf;
}

/** Copies `bytes` from `src` at `offset` to the CPU. SYNC POINT: waits for all submitted work. */
export async function readBuffer(device: GPUDevice, src: GPUBuffer, offset = 0, bytes = src.size - offset): Promise<ArrayBuffer> {
  const staging = createBuffer(device, { label: 'readback', size: alignUp(bytes, 4), usage: USAGE.MAP_READ | USAGE.COPY_DST });
  const enc = device.createCommandEncoder({ label: 'readback' });
  enc.copyBufferToBuffer(src, offset, staging, 0, alignUp(bytes, 4));
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(1 /* GPUMapMode.READ */);
  const out = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return out;
}

export async function readFloats(device: GPUDevice, src: GPUBuffer, offsetFloats = 0, count = src.size / 4 - offsetFloats): Promise<Float32Array> {
  return new Float32Array(await readBuffer(device, src, offsetFloats * 4, count * 4));
}

/** queue.writeBuffer for any typed array (views of shared or plain buffers alike). */
export function writeArray(device: GPUDevice, dst: GPUBuffer, offsetBytes: number, data: Float32Array | Uint32Array | Int32Array): void {
  device.queue.writeBuffer(dst, offsetBytes, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
}

/**
 * A staging buffer made once and reused for every read-back of a hot loop (a training step's
 * loss, a decode step's logits), so the loop creates no buffers. One read at a time.
 */
export class Readback {
  private staging: GPUBuffer;
  constructor(
    private device: GPUDevice,
    readonly capacityBytes: number,
    label = 'readback',
  ) {
    this.staging = createBuffer(device, { label, size: alignUp(Math.max(capacityBytes, 4), 4), usage: USAGE.MAP_READ | USAGE.COPY_DST });
  }

  /** Copies `count` floats of `src` from `offsetFloats` and returns them. SYNC POINT. */
  async floats(src: GPUBuffer, offsetFloats = 0, count = src.size / 4 - offsetFloats): Promise<Float32Array> {
    const bytes = count * 4;
    if (bytes > this.staging.size) throw new Error(`read-back of ${bytes} bytes exceeds the ${this.staging.size}-byte staging buffer`);
    const enc = this.device.createCommandEncoder({ label: 'readback' });
    enc.copyBufferToBuffer(src, offsetFloats * 4, this.staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    await this.staging.mapAsync(1 /* GPUMapMode.READ */, 0, bytes);
    const out = new Float32Array(this.staging.getMappedRange(0, bytes).slice(0));
    this.staging.unmap();
    return out;
  }

  destroy(): void {
    this.staging.destroy();
  }
}

/** A view of at most one storage binding, and the floats in it. */
export interface BindingChunk {
  buf: { buffer: GPUBuffer; offset: number; size: number };
  floats: number;
}

/** Splits [0, floats) into views no larger than the adapter's binding limit (multiples of 64 floats): a whole-buffer pass (the trainer's gradient norm, AdamW) one dispatch per view. */
export function bindingChunks(device: GPUDevice, buffer: GPUBuffer, startFloats: number, floats: number): BindingChunk[] {
  const maxFloats = Math.floor(device.limits.maxStorageBufferBindingSize / 4 / 64) * 64;
  const out: BindingChunk[] = [];
  for (let s = 0; s < floats; s += maxFloats) {
    const n = Math.min(maxFloats, floats - s);
    out.push({ buf: { buffer, offset: (startFloats + s) * 4, size: n * 4 }, floats: n });
  }
  return out;
}
