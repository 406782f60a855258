import code from './residual.wgsl?raw';
import { createDispatch, getPipeline, grid1d, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** out = a + b over n floats (the residual stream). */
export function residualForward(device: GPUDevice, out: Buf, a: Buf, b: Buf, n: number): Dispatch {
  return createDispatch(device, {
    label: 'residual_forward',
    pipeline: getPipeline(device, 'residual_forward', code),
    params: packParams([{ u32: n }]),
    buffers: [out, a, b],
    workgroups: grid1d(Math.ceil(n / 256)),
  });
}
