import code from './embed_decode.wgsl?raw';
import type { VocabRange } from './encoder';
import { createDispatch, getPipeline, packParams, setParams, type Buf, type Dispatch } from '../gpu/dispatch';

/**
 * out (C) = wte[token] + wpe[pos] for the token being decoded; `setPosition` before each submit.
 * With `range`, wte holds rows [lo, hi) only and out is written only for a token in that range
 * (one dispatch per chunk of a split wte).
 */
export function embedDecode(device: GPUDevice, out: Buf, token: Buf, wte: Buf, wpe: Buf, C: number, range: VocabRange = { lo: 0, hi: 0xffffffff }): { dispatch: Dispatch; setPosition(pos: number): void } {
  const params = (pos: number) => packParams([{ u32: pos }, { u32: C }, { u32: range.lo }, { u32: range.hi }]);
  const dispatch = createDispatch(device, {
    label: 'embed_decode',
    pipeline: getPipeline(device, 'embed_decode', code),
    params: params(0),
    buffers: [out, token, wte, wpe],
    workgroups: Math.ceil(C / 64),
  });
  return { dispatch, setPosition: (pos) => setParams(device, dispatch, params(pos)) };
}
