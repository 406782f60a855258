import code from './gradnorm.wgsl?raw';
import { createDispatch, getPipeline, isVec4, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** Stage-1 workgroups at most: enough to fill any GPU, few enough for one workgroup to finish. */
const MAX_PARTIALS = 1024;
/**
 * Floats per stage-1 workgroup before another is added (64 per thread): each workgroup ends in a
 * barrier tree, which on lavapipe costs more than the loads (0.8M floats: 31 ms with 1024
 * workgroups of ~3 floats a thread, 3 ms with 49).
 */
const FLOATS_PER_WORKGROUP = 16384;

/** Floats of scratch `gradNormSquared` needs for its partial sums (one per stage-1 workgroup). */
export function gradNormPartialsSize(n: number): number {
  return Math.max(1, Math.min(MAX_PARTIALS, Math.ceil(n / FLOATS_PER_WORKGROUP)));
}

/**
 * out[0] = sum of squares of grads[0..n) (the squared global gradient norm, n up to 1.5e8).
 * Two dispatches, encode them in order: partials (gradNormPartialsSize(n) floats, scratch), then the final sum.
 * Deterministic: fixed partition and summation order.
 */
export function gradNormSquared(device: GPUDevice, out: Buf, partials: Buf, grads: Buf, n: number): Dispatch[] {
  const P = gradNormPartialsSize(n);
  const vec4 = isVec4(n, grads);
  return [
    createDispatch(device, {
      label: vec4 ? 'gradnorm_partials_vec4' : 'gradnorm_partials',
      pipeline: getPipeline(device, 'gradnorm_partials', code, { SQUARE: 1 }, vec4 ? 'main_vec4' : 'main'),
      params: packParams([{ u32: n }]),
      buffers: [partials, grads],
      workgroups: P,
    }),
    createDispatch(device, {
      label: 'gradnorm_final',
      pipeline: getPipeline(device, 'gradnorm_final', code, { SQUARE: 0 }),
      params: packParams([{ u32: P }]),
      buffers: [out, partials],
      workgroups: 1,
    }),
  ];
}
