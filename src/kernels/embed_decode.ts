import code from './embed_decode.wgsl?raw';
import { createDispatch, getPipeline, packParams, setParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** out (C) = wte[token] + wpe[pos] for the token being decoded; `setPosition` before each submit. */
export function embedDecode(device: GPUDevice, out: Buf, token: Buf, wte: Buf, wpe: Buf, C: number): { dispatch: Dispatch; setPosition(pos: number): void } {
  const dispatch = createDispatch(device, {
    label: 'embed_decode',
    pipeline: getPipeline(device, 'embed_decode', code),
    params: packParams([{ u32: 0 }, { u32: C }]),
    buffers: [out, token, wte, wpe],
    workgroups: Math.ceil(C / 64),
  });
  return { dispatch, setPosition: (pos) => setParams(device, dispatch, packParams([{ u32: pos }, { u32: C }])) };
}
