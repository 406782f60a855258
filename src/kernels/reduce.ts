import code from './reduce.wgsl?raw';
import { createDispatch, getPipeline, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** Columns per column_sum workgroup (COLS in reduce.wgsl). */
const COLS = 32;
const MAX_WORKGROUPS = 65535;

/**
 * out (N) = sum over the M rows of inp (M, N), e.g. a bias gradient from dout (B*T, C).
 * accumulate: out += instead of =. Deterministic (fixed summation order).
 */
export function columnSum(device: GPUDevice, out: Buf, inp: Buf, M: number, N: number, accumulate = false): Dispatch {
  const label = accumulate ? 'column_sum_accumulate' : 'column_sum';
  return createDispatch(device, {
    label,
    pipeline: getPipeline(device, label, code, { ACCUMULATE: accumulate ? 1 : 0 }, 'column_sum'),
    params: packParams([{ u32: M }, { u32: N }, { f32: 1 }]),
    buffers: [out, inp],
    // Past 65535 blocks (N > 2M columns) each workgroup loops over several blocks.
    workgroups: Math.max(1, Math.min(MAX_WORKGROUPS, Math.ceil(N / COLS))),
  });
}

/** out[0] = scale · sum(inp[0..n)), one workgroup tree reduction (deterministic), e.g. mean loss with scale = 1/n. */
export function sumReduce(device: GPUDevice, out: Buf, inp: Buf, n: number, scale: number): Dispatch {
  return createDispatch(device, {
    label: 'sum_reduce',
    pipeline: getPipeline(device, 'sum_reduce', code, {}, 'sum_reduce'),
    params: packParams([{ u32: 1 }, { u32: n }, { f32: scale }]),
    buffers: [out, inp],
    workgroups: 1,
  });
}
