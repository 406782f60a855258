import code from './adamw.wgsl?raw';
import { createDispatch, getPipeline, isVec4, packParams, setParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** One step's hyper-parameters. step starts at 1; maxGradNorm <= 0 or Infinity disables clipping. */
export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
  maxGradNorm: number;
}

const WG = 256;
/** Grid cap: 1M threads fill any GPU; beyond that each thread loops (n up to 1.5e8). */
const MAX_WORKGROUPS = 4096;

/** The Params struct of adamw.wgsl after the float64 work on the host, in declaration order. */
interface Uniforms {
  lr: number;
  beta1: number;
  beta2: number;
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  eps: number;
  weightDecay: number;
  bc1: number;
  bc2: number;
  maxGradNorm: number; // 0 = clipping disabled
}

/** Until the first setHyper: lr 0, betas 1 (m and v kept), no bias correction, no clipping: a no-op. */
const IDLE: Uniforms = { lr: 0, beta1: 1, beta2: 1, oneMinusBeta1: 0, oneMinusBeta2: 0, eps: 1, weightDecay: 0, bc1: 1, bc2: 1, maxGradNorm: 0 };

/** Bias corrections and 1 - beta in float64 here, rounded to f32 once (f32 1 - 0.999 is 1.3e-5 off). */
function uniformsOf(h: AdamWHyper): Uniforms {
  return {
    lr: h.lr,
    beta1: h.beta1,
    beta2: h.beta2,
    oneMinusBeta1: 1 - h.beta1,
    oneMinusBeta2: 1 - h.beta2,
    eps: h.eps,
    weightDecay: h.weightDecay,
    bc1: 1 - Math.pow(h.beta1, h.step),
    bc2: 1 - Math.pow(h.beta2, h.step),
    maxGradNorm: h.maxGradNorm > 0 && Number.isFinite(h.maxGradNorm) ? h.maxGradNorm : 0,
  };
}

function pack(n: number, u: Uniforms): ArrayBuffer {
  const f = (x: number) => ({ f32: x });
  return packParams([{ u32: n }, f(u.lr), f(u.beta1), f(u.beta2), f(u.oneMinusBeta1), f(u.oneMinusBeta2), f(u.eps), f(u.weightDecay), f(u.bc1), f(u.bc2), f(u.maxGradNorm)]);
}

function checkHyper(h: AdamWHyper): void {
  const bad =
    !Number.isInteger(h.step) || h.step < 1 ? 'step must be an integer >= 1'
    : !(h.beta1 >= 0 && h.beta1 < 1 && h.beta2 >= 0 && h.beta2 < 1) ? 'betas must be in [0, 1)'
    : !(h.eps > 0) ? 'eps must be > 0'
    : !Number.isFinite(h.lr) || !Number.isFinite(h.weightDecay) ? 'lr and weightDecay must be finite'
    : Number.isNaN(h.maxGradNorm) ? 'maxGradNorm is NaN'
    : '';
  if (bad) throw new Error(`adamw: ${bad} (got ${JSON.stringify(h)})`);
}

/**
 * AdamW over n floats (one flat parameter buffer or a 256-byte-aligned view of it), clipping by the
 * global norm in gradNormSq[0] (the output of gradNormSquared) on the GPU. m and v start at zero.
 * The dispatch is built once; call setHyper before each step (lr schedule, step count): it rewrites the
 * uniforms and takes effect at the next submit. Until the first setHyper the dispatch changes nothing.
 */
export function adamw(
  device: GPUDevice,
  params: Buf,
  grads: Buf,
  m: Buf,
  v: Buf,
  gradNormSq: Buf,
  n: number,
): { dispatch: Dispatch; setHyper(h: AdamWHyper): void } {
  const vec4 = isVec4(n, params, grads, m, v);
  const dispatch = createDispatch(device, {
    label: vec4 ? 'adamw_vec4' : 'adamw',
    pipeline: getPipeline(device, 'adamw', code, {}, vec4 ? 'main_vec4' : 'main'),
    params: pack(n, IDLE),
    buffers: [params, m, v, grads, gradNormSq],
    workgroups: Math.max(1, Math.min(MAX_WORKGROUPS, Math.ceil(n / (vec4 ? 4 * WG : WG)))),
  });
  return {
    dispatch,
    setHyper(h: AdamWHyper) {
      checkHyper(h);
      setParams(device, dispatch, pack(n, uniformsOf(h)));
    },
  };
}
