/**
 * The baseline of the attention benchmark (bench/attention.ts): plain three-kernel causal attention
 * (scores, causal softmax, weighted sum) that materialises probs (B, NH, T, T), as llm.c's first CUDA
 * version does. The product runs the fused kernels (src/kernels/attention.ts); this one lives beside
 * the bench and is checked against the same float64 reference (bench/attention-naive.test.ts), so
 * that the benchmark compares two computations of the same thing.
 */
import naiveCode from './attention_naive.wgsl?raw';
import { createDispatch, getPipeline, grid1d, packParams, type Buf, type Dispatch } from '../src/gpu/dispatch';

export function attentionNaive(device: GPUDevice, out: Buf, probs: Buf /*(B,NH,T,T)*/, qkv: Buf, B: number, T: number, C: number, NH: number): Dispatch[] {
  const HS = C / NH;
  if (!Number.isInteger(HS) || HS < 1) throw new Error(`attention: C=${C}, NH=${NH} gives head size ${HS}`);
  const params = packParams([{ u32: B }, { u32: T }, { u32: C }, { u32: NH }]);
  const pipe = (entry: string) => getPipeline(device, 'attention_naive', naiveCode, {}, entry);
  return [
    createDispatch(device, { label: 'attention_naive_scores', pipeline: pipe('scores'), params, buffers: [probs, qkv], workgroups: grid1d(Math.ceil((B * NH * T * T) / 256)) }),
    createDispatch(device, { label: 'attention_naive_softmax', pipeline: pipe('softmax'), params, buffers: [probs], workgroups: grid1d(Math.ceil((B * NH * T) / 256)) }),
    createDispatch(device, { label: 'attention_naive_weighted', pipeline: pipe('weighted'), params, buffers: [out, probs, qkv], workgroups: grid1d(Math.ceil((B * T * C) / 256)) }),
  ];
}
