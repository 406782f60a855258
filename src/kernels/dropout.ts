/**
 * Inverted dropout (nanoGPT's resid/embedding dropout) with a counter-based mask: the mask is a pure
 * function of (seed, stream, index) (dropout_rng.wgsl), so backward regenerates it from the same
 * seed buffer and stream instead of storing it. `seed` is a one-u32 storage buffer the trainer
 * rewrites every step, so the recorded dispatches never change.
 */
import rngCode from './dropout_rng.wgsl?raw';
import dropoutCode from './dropout.wgsl?raw';
import { createDispatch, getPipeline, grid1d, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** The module: the shared hash (whole file) in front of the kernels. */
const CODE = `${rngCode}\n${dropoutCode}`;
/** Elements per workgroup: 256 threads × 4 consecutive elements. */
const PER_WG = 1024;

/** Where and how much to drop: rate p in [0, 1), the per-step seed buffer (1 u32), the site's stream id. */
export interface DropoutSpec {
  p: number;
  seed: Buf;
  stream: number;
}

/** The uniform fields every dropout site shares: stream, threshold = floor(p·2^32), scale = 1/(1-p). */
export function dropoutParams(p: number, stream: number): ({ u32: number } | { f32: number })[] {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!Number.isInteger(stream) || stream < 0 || stream >= 2 ** 32) throw new Error(`dropout: stream ${stream} is not a u32`);
  return [{ u32: stream }, { u32: Math.min(2 ** 32 - 1, Math.floor(p * 2 ** 32)) }, { f32: 1 / (1 - p) }];
}

/** out (n) = mask · inp / (1-p), plus `residual` (n) when given (the block's residual add, fused). */
export function dropoutForward(device: GPUDevice, out: Buf, inp: Buf, n: number, p: number, seed: Buf, stream: number, residual?: Buf): Dispatch {
  return dispatch(device, residual ? 'dropout_forward_residual' : 'dropout_forward', out, inp, n, p, seed, stream, residual);
}

/** dinp (n) = mask · dout / (1-p): the forward's mask, regenerated from the same seed and stream. */
export function dropoutBackward(device: GPUDevice, dinp: Buf, dout: Buf, n: number, p: number, seed: Buf, stream: number): Dispatch {
  return dispatch(device, 'dropout_backward', dinp, dout, n, p, seed, stream);
}

function dispatch(device: GPUDevice, label: string, out: Buf, inp: Buf, n: number, p: number, seed: Buf, stream: number, residual?: Buf): Dispatch {
  const entry = residual ? 'forward_residual' : 'forward';
  return createDispatch(device, {
    label,
    pipeline: getPipeline(device, 'dropout', CODE, {}, entry),
    params: packParams([{ u32: n }, ...dropoutParams(p, stream)]),
    buffers: residual ? [out, inp, seed, residual] : [out, inp, seed],
    workgroups: grid1d(Math.ceil(n / PER_WG)),
  });
}
