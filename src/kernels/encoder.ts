import code from './encoder.wgsl?raw';
import { createDispatch, getPipeline, grid1d, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/**
 * Rows [lo, hi) of the token embedding, for a wte split into chunks that each fit one storage
 * binding: the wte / dwte view then starts at row lo. The default is the whole vocabulary.
 */
export interface VocabRange {
  lo: number;
  hi: number;
}

const WHOLE: VocabRange = { lo: 0, hi: 0xffffffff };

function params(B: number, T: number, C: number, r: VocabRange = WHOLE): ArrayBuffer {
  return packParams([{ u32: B * T }, { u32: T }, { u32: C }, { u32: r.lo }, { u32: r.hi }]);
}

/**
 * out (B, T, C) = wte[tokens] + wpe[t]. tokens: u32 (B·T); wte: (V, C); wpe: (maxT, C), T <= maxT.
 * With `range`, wte holds only rows [lo, hi) and only positions with a token in that range are
 * written: one dispatch per chunk of a split wte fills every position.
 */
export function encoderForward(device: GPUDevice, out: Buf, tokens: Buf, wte: Buf, wpe: Buf, B: number, T: number, C: number, range?: VocabRange): Dispatch {
  return createDispatch(device, {
    label: 'encoder_forward',
    pipeline: getPipeline(device, 'encoder_forward', code, {}, 'forward'),
    params: params(B, T, C, range),
    buffers: [out, tokens, wte, wpe],
    workgroups: grid1d(Math.ceil((B * T * C) / 256)),
  });
}

/**
 * Host-side, every step (tokens change): groups the positions of each distinct token so that the
 * backward kernel gives each dwte row to one workgroup, deterministic without atomics.
 * Returns u32 (3·BT + 1), BT = tokens.length:
 *   [unique (BT): distinct tokens ascending, padded with 0
 *   | offsets (BT + 1): bucket u's positions are positions[offsets[u] .. offsets[u + 1]]; padded
 *     with BT, so buckets past the last distinct token are empty
 *   | positions (BT): indices b·T + t, grouped by token, ascending within a token].
 */
export function packTokenBuckets(tokens: Uint32Array): Uint32Array {
  const BT = tokens.length;
  const out = new Uint32Array(3 * BT + 1);
  const offsets = out.subarray(BT, 2 * BT + 1);
  const positions = out.subarray(2 * BT + 1);
  // Stable sort of positions by token: ties keep position order (the GPU sums in this order).
  const order = Array.from({ length: BT }, (_, i) => i).sort((a, b) => tokens[a]! - tokens[b]! || a - b);
  offsets.fill(BT);
  let u = -1;
  for (let k = 0; k < BT; k++) {
    const pos = order[k]!;
    const tok = tokens[pos]!;
    if (u < 0 || tok !== out[u]) {
      u++;
      out[u] = tok;
      offsets[u] = k;
    }
    positions[k] = pos;
  }
  return out;
}

/**
 * Encoder backward. dwte (V, C) is ACCUMULATED (+=: the tied LM head already wrote its part).
 * dwpe: rows 0..T-1 OVERWRITTEN with sum_b dout[b, t, :]; rows T..maxT-1 are not touched (the
 * caller zeroes them once if it updates all of wpe). buckets: packTokenBuckets(tokens) uploaded,
 * u32 (3·B·T + 1). dout: (B, T, C). Two independent dispatches (dwte, dwpe).
 */
export function encoderBackward(device: GPUDevice, dwte: Buf, dwpe: Buf, dout: Buf, buckets: Buf, B: number, T: number, C: number): Dispatch[] {
  return [encoderBackwardWte(device, dwte, dout, buckets, B, T, C), encoderBackwardWpe(device, dwpe, dout, B, T, C)];
}

/** The dwte half of encoderBackward; with `range`, dwte holds rows [lo, hi) only (one dispatch per chunk of a split wte). */
export function encoderBackwardWte(device: GPUDevice, dwte: Buf, dout: Buf, buckets: Buf, B: number, T: number, C: number, range?: VocabRange): Dispatch {
  return createDispatch(device, {
    label: 'encoder_backward_wte',
    pipeline: getPipeline(device, 'encoder_backward_wte', code, {}, 'backward_wte'),
    params: params(B, T, C, range),
    buffers: [dwte, dout, buckets],
    workgroups: grid1d(B * T), // one per bucket; empty ones return at once
  });
}

/** The dwpe half of encoderBackward. */
export function encoderBackwardWpe(device: GPUDevice, dwpe: Buf, dout: Buf, B: number, T: number, C: number): Dispatch {
  return createDispatch(device, {
    label: 'encoder_backward_wpe',
    pipeline: getPipeline(device, 'encoder_backward_wpe', code, {}, 'backward_wpe'),
    params: params(B, T, C),
    buffers: [dwpe, dout],
    workgroups: grid1d(Math.ceil((T * C) / 256)),
  });
}
