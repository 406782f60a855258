import code from './embed_decode16.wgsl?raw';
import type { VocabRange } from './encoder';
import { packedRowWords } from './packed16';
import { createDispatch, getPipeline, packParams, setParams, type Buf, type Dispatch } from '../gpu/dispatch';

/**
 * embedDecode (src/kernels/embed_decode.ts) with wte and wpe in packed 16-bit rows (packRows16), for
 * T rows (default 1, a decode step): out (T, C), row t = wte[token[t]] + wpe[pos + t]; `setPosition`
 * sets pos (0 until then) before a submit; `range` as there.
 */
export function embedDecode16(device: GPUDevice, out: Buf, token: Buf, wte: Buf, wpe: Buf, C: number, range: VocabRange = { lo: 0, hi: 0xffffffff }, T = 1): { dispatch: Dispatch; setPosition(pos: number): void } {
  const ld = packedRowWords(C);
  const params = (pos: number) => packParams([{ u32: pos }, { u32: C }, { u32: range.lo }, { u32: range.hi }, { u32: ld }]);
  const dispatch = createDispatch(device, {
    label: 'embed_decode16',
    pipeline: getPipeline(device, 'embed_decode16', code),
    params: params(0),
    buffers: [out, token, wte, wpe],
    workgroups: [Math.ceil(C / 64), T],
  });
  return { dispatch, setPosition: (pos) => setParams(device, dispatch, params(pos)) };
}
