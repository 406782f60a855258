/**
 * One query row of causal attention, kept for the "How it works" view (src/model/trace.ts): the
 * scaled scores and softmax weights of a decode step's query (qkv (3C)) against the decoder's keys
 * (kCache (maxT, C), rows 0..pos), written into a capture buffer at given float offsets. The decode
 * kernel turns the scores into weights in place and never keeps them.
 */
import code from './attention_row.wgsl?raw';
import { createDispatch, getPipeline, packParams, type Buf, type Dispatch } from '../gpu/dispatch';
import { ATTENTION_MAX_HS } from './attention';

/** Float offsets into the capture buffer: scores and weights (NH, pos+1). */
export interface AttentionRowOut {
  scores: number;
  weights: number;
}

export function attentionRow(device: GPUDevice, cap: Buf, qkv: Buf, kCache: Buf, pos: number, C: number, NH: number, at: AttentionRowOut): Dispatch {
  const HS = C / NH;
  if (!Number.isInteger(HS) || HS < 1 || HS > ATTENTION_MAX_HS) throw new Error(`attentionRow: C=${C}, NH=${NH} gives head size ${HS}; need 1..${ATTENTION_MAX_HS}`);
  return createDispatch(device, {
    label: 'attention_row',
    pipeline: getPipeline(device, 'attention_row', code, { HS }, 'main'),
    params: packParams([{ u32: pos }, { u32: C }, { u32: at.scores }, { u32: at.weights }]),
    buffers: [cap, qkv, kCache],
    workgroups: NH,
  });
}
