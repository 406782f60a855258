import code from './guarded_copy.wgsl?raw';
import { createDispatch, getPipeline, isVec4, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

const WG = 256;
/** Grid cap: each thread loops over the rest (n up to 2^32 - 1). */
const MAX_WORKGROUPS = 4096;

/** dst = src over n floats when every one of the `nflags` floats in `flags` is finite; otherwise dst is left as it was. */
export function guardedCopy(device: GPUDevice, dst: Buf, src: Buf, flags: Buf, n: number, nflags = 1): Dispatch {
  const vec4 = isVec4(n, dst, src);
  return createDispatch(device, {
    label: vec4 ? 'guarded_copy_vec4' : 'guarded_copy',
    pipeline: getPipeline(device, 'guarded_copy', code, {}, vec4 ? 'main_vec4' : 'main'),
    params: packParams([{ u32: n }, { u32: nflags }]),
    buffers: [dst, src, flags],
    workgroups: Math.max(1, Math.min(MAX_WORKGROUPS, Math.ceil(n / (vec4 ? 4 * WG : WG)))),
  });
}
