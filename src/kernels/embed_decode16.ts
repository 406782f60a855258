import code from './embed_decode16.wgsl?raw';
import type { VocabRange } from './encoder';
import { packedRowWords } from './packed16';
import { createDispatch, getPipeline, packParams, setParams, type Buf, type Dispatch } from '../gpu/dispatch';

/**
 * embedDecode (src/kernels/embed_decode.ts) with wte and wpe in packed 16-bit rows (packRows16):
 * out (C) = wte[token] + wpe[pos]; `setPosition` before each submit; `range` as there.
 */
export function embedDecode16(device: GPUDevice, out: Buf, token: Buf, wte: Buf, wpe: Buf, C: number, range: VocabRange = { lo: 0, hi: 0xffffffff }): { dispatch: Dispatch; setPosition(pos: number): void } {
  const ld = packedRowWords(C);
  const params = (pos: number) => packParams([{ u32: pos }, { u32: C }, { u32: range.lo }, { u32: range.hi }, { u32: ld }]);
  const dispatch = createDispatch(device, {
    label: 'embed_decode16',
    pipeline: getPipeline(device, 'embed_decode16', code),
    params: params(0),
    buffers: [out, token, wte, wpe],
    workgroups: Math.ceil(C / 64),
  });
  return { dispatch, setPosition: (pos) => setParams(device, dispatch, params(pos)) };
}
