import code from './layernorm.wgsl?raw';
import { createDispatch, getPipeline, grid1d, packParams, type Buf, type Dispatch } from '../gpu/dispatch';
import { createStorage } from '../gpu/buffers';

/** Rows per partial column sum in the dweight/dbias reduction (ROWS_PER_CHUNK in layernorm.wgsl). */
const ROWS_PER_CHUNK = 256;
/** Rows per workgroup of the row kernels, one thread each (ROWS_PER_WG in layernorm.wgsl). */
const ROWS_PER_WG = 64;

function params(N: number, C: number): ArrayBuffer {
  return packParams([{ u32: N }, { u32: C }, { u32: Math.ceil(N / ROWS_PER_CHUNK) }]);
}

/**
 * LayerNorm forward, eps 1e-5. out: (N, C); mean, rstd: (N), kept for the backward;
 * inp: (N, C); weight, bias: (C). One thread per row, ROWS_PER_WG rows per workgroup.
 */
export function layernormForward(device: GPUDevice, out: Buf, mean: Buf, rstd: Buf, inp: Buf, weight: Buf, bias: Buf, N: number, C: number): Dispatch {
  return createDispatch(device, {
    label: 'layernorm_forward',
    pipeline: getPipeline(device, 'layernorm_forward', code, {}, 'forward'),
    params: params(N, C),
    buffers: [out, mean, rstd, inp, weight, bias],
    workgroups: grid1d(Math.ceil(N / ROWS_PER_WG)),
  });
}

/**
 * LayerNorm backward. dinp (N, C) is ACCUMULATED (+=: it is the residual stream's gradient);
 * dweight, dbias (C) are OVERWRITTEN. Three dispatches, in order: dinp (one thread per row),
 * per-chunk column partial sums of dweight/dbias, then their in-order sum. No atomics, so the
 * result is bit-for-bit deterministic. Allocates its partial-sum scratch buffer here, at load
 * time (ceil(N/256)·C·8 bytes), owned by the second dispatch (the one that writes it): it is
 * freed with the dispatches (destroyDispatch / destroyOps).
 */
export function layernormBackward(
  device: GPUDevice,
  dinp: Buf,
  dweight: Buf,
  dbias: Buf,
  dout: Buf,
  inp: Buf,
  weight: Buf,
  mean: Buf,
  rstd: Buf,
  N: number,
  C: number,
): Dispatch[] {
  const nchunk = Math.ceil(N / ROWS_PER_CHUNK);
  const scratch = createStorage(device, 'layernorm_backward.partial', nchunk * C * 8);
  const partial = { buffer: scratch };
  const pipe = (entry: string, constants: Record<string, number> = {}) =>
    getPipeline(device, `layernorm_${entry}`, code, constants, entry);
  const partialSums = createDispatch(device, {
    label: 'layernorm_backward_partial',
    pipeline: pipe('backward_partial'),
    params: params(N, C),
    buffers: [partial, dout, inp, mean, rstd],
    workgroups: [Math.ceil(C / 64), nchunk],
  });
  partialSums.owned.push(scratch);
  return [
    createDispatch(device, {
      label: 'layernorm_backward_dinp',
      pipeline: pipe('backward_dinp'),
      params: params(N, C),
      buffers: [dinp, dout, inp, weight, mean, rstd],
      workgroups: grid1d(Math.ceil(N / ROWS_PER_WG)),
    }),
    partialSums,
    createDispatch(device, {
      label: 'layernorm_backward_finish',
      pipeline: pipe('backward_finish'),
      params: params(N, C),
      buffers: [dweight, dbias, partial],
      workgroups: Math.ceil(C / 256),
    }),
  ];
}
