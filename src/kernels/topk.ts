import kernel from './topk.wgsl?raw';
import rank from './softmax_rank.wgsl?raw';
import { createDispatch, getPipeline, packParams, type Buf, type Dispatch } from '../gpu/dispatch';

/** The module: this kernel's file and the passes it shares with the other softmax + top-k kernel (whole files joined). */
const code = `${kernel}\n${rank}`;

/**
 * Next-token candidates: softmax(logits / temperature) then the K most likely tokens.
 * out (2K): probabilities, then ids as u32 bits. logits (V). One workgroup (batch-1 decode).
 * Change the temperature with `setTemperature` (rewrites the uniform; no new dispatch).
 */
export function softmaxTopK(device: GPUDevice, out: Buf, logits: Buf, V: number, K: number): { dispatch: Dispatch; setTemperature(t: number): void } {
  if (!(K >= 1 && K <= V)) throw new Error(`top-k needs 1 <= K <= V, got K=${K} V=${V}`);
  const params = (t: number) => packParams([{ u32: V }, { u32: K }, { f32: t }]);
  const dispatch = createDispatch(device, {
    label: 'softmax_topk',
    pipeline: getPipeline(device, 'softmax_topk', code, { WG: topkWorkgroup(V) }),
    params: params(1),
    buffers: [out, logits],
    workgroups: 1,
  });
  return {
    dispatch,
    setTemperature: (t) => device.queue.writeBuffer(dispatch.params!, 0, params(t)),
  };
}

/**
 * Threads of the one workgroup: about four columns each, from 32 to 256. Every one of the K rounds
 * is a tree over the workgroup with a barrier a level, and barriers are what a small vocabulary
 * pays for (a character model's 65 tokens with 256 threads left most of them idle); GPT-2's 50,257
 * get all 256.
 */
export function topkWorkgroup(V: number): number {
  return Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(Math.ceil(V / 4)))));
}

/** Splits the kernel's output (2K floats, e.g. a view of a read-back) into probabilities and ids. */
export function unpackTopK(out: Float32Array, K: number): { probs: Float32Array; ids: Uint32Array } {
  return { probs: out.subarray(0, K), ids: new Uint32Array(out.buffer, out.byteOffset + 4 * K, K) };
}
