import code from './kv_store.wgsl?raw';
import { createDispatch, getPipeline, grid1d, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** Rows 0..T-1 of a KV cache (maxT, C) from the keys and values of a c_attn output qkv (T, 3C). */
export function kvStore(device: GPUDevice, kCache: Buf, vCache: Buf, qkv: Buf, T: number, C: number): Dispatch {
  return createDispatch(device, {
    label: 'kv_store',
    pipeline: getPipeline(device, 'kv_store', code),
    params: packParams([{ u32: T * C }, { u32: C }]),
    buffers: [kCache, vCache, qkv],
    workgroups: grid1d(Math.ceil((T * C) / 256)),
  });
}
