import code from './guarded_copy.wgsl?raw';
import { createDispatch, getPipeline, grid1d, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** dst = src over n floats when every one of the `nflags` floats in `flags` is finite; otherwise dst is left as it was. */
export function guardedCopy(device: GPUDevice, dst: Buf, src: Buf, flags: Buf, n: number, nflags = 1): Dispatch {
  return createDispatch(device, {
    label: 'guarded_copy',
    pipeline: getPipeline(device, 'guarded_copy', code),
    params: packParams([{ u32: n }, { u32: nflags }]),
    buffers: [dst, src, flags],
    workgroups: grid1d(Math.ceil(n / 256)),
  });
}
