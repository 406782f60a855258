import code from './crossentropy.wgsl?raw';
import { createDispatch, getPipeline, grid1d, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** Bits of a quiet NaN, passed as a uniform: WGSL cannot spell a NaN constant. */
const NAN_BITS = 0x7fc00000;

/**
 * Fused softmax + cross-entropy, one workgroup per row.
 * losses (N) = -log softmax(logits[r])[targets[r]]; targets (N) u32, each < V (a target >= V gives a NaN loss).
 * If `gradScale` is given, logits (N, V) are OVERWRITTEN in place with
 * dlogits = (softmax - onehot(target)) · gradScale (e.g. 1/N for the mean loss); otherwise they are left as is.
 */
export function crossEntropy(device: GPUDevice, losses: Buf, logits: Buf, targets: Buf, N: number, V: number, gradScale?: number): Dispatch {
  if (!(V >= 1)) throw new Error(`crossEntropy: V must be >= 1 (got ${V})`);
  const writeGrad = gradScale !== undefined;
  const label = writeGrad ? 'crossentropy_fwd_bwd' : 'crossentropy_forward';
  return createDispatch(device, {
    label,
    pipeline: getPipeline(device, label, code, { WRITE_GRAD: writeGrad ? 1 : 0 }),
    params: packParams([{ u32: N }, { u32: V }, { f32: gradScale ?? 0 }, { u32: NAN_BITS }]),
    buffers: [losses, logits, targets],
    workgroups: grid1d(N),
  });
}
