import code from './softmax.wgsl?raw';
import { createDispatch, getPipeline, grid1d, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** Threads per row: the next power of two >= cols, between 32 and 256 (short rows waste fewer threads). */
export function rowWorkgroupSize(cols: number): number {
  let wg = 32;
  while (wg < cols && wg < 256) wg *= 2;
  return wg;
}

/** Row softmax, max-subtracted. out, inp: (rows, cols). One workgroup per row. */
export function softmaxForward(device: GPUDevice, out: Buf, inp: Buf, rows: number, cols: number): Dispatch {
  const WG = rowWorkgroupSize(cols);
  return createDispatch(device, {
    label: 'softmax_forward',
    pipeline: getPipeline(device, 'softmax_forward', code, { WG }),
    params: packParams([{ u32: rows }, { u32: cols }]),
    buffers: [out, inp],
    workgroups: grid1d(rows),
  });
}
