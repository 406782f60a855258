import code from './gelu.wgsl?raw';
import { createDispatch, getPipeline, grid1d, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** Elements per workgroup: 256 threads × 4 consecutive elements each. */
const PER_WG = 1024;

/** dinp = gelu'(inp) · dout over n floats. dinp is overwritten and must not alias dout. */
export function geluBackward(device: GPUDevice, dinp: Buf, inp: Buf, dout: Buf, n: number): Dispatch {
  return createDispatch(device, {
    label: 'gelu_backward',
    pipeline: getPipeline(device, 'gelu_backward', code, {}, 'backward'),
    params: packParams([{ u32: n }]),
    buffers: [dinp, inp, dout],
    workgroups: grid1d(Math.ceil(n / PER_WG)),
  });
}
