import code from './guarded_copy.wgsl?raw';
import { createDispatch, getPipeline, grid1d, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** dst = src over n floats when flag[0] is finite; otherwise dst is left as it was. */
export function guardedCopy(device: GPUDevice, dst: Buf, src: Buf, flag: Buf, n: number): Dispatch {
  return createDispatch(device, {
    label: 'guarded_copy',
    pipeline: getPipeline(device, 'guarded_copy', code),
    params: packParams([{ u32: n }]),
    buffers: [dst, src, flag],
    workgroups: grid1d(Math.ceil(n / 256)),
  });
}
