import kernel from './probe_scores.wgsl?raw';
import rank from './softmax_rank.wgsl?raw';
import { createDispatch, getPipeline, packParams, type Buf, type Dispatch } from '../gpu/dispatch';
import { topkWorkgroup } from './topk';

/** The module: this kernel's file and the passes it shares with the other softmax + top-k kernel (whole files joined). */
const code = `${kernel}\n${rank}`;

/**
 * The probe's scores over R rows of logits (V each): per row, p(target) and the K most likely
 * tokens with their probabilities, 1 + 2K floats (probeScoresUnpack in src/model/probe.ts reads them).
 * out (R, 1 + 2K), logits (R, V) (a prefix of the model's (N, V) logits), targets (R) u32. R workgroups.
 */
export function probeScores(device: GPUDevice, out: Buf, logits: Buf, targets: Buf, R: number, V: number, K: number): Dispatch {
  if (!(K >= 1 && K <= V)) throw new Error(`probe scores need 1 <= K <= V, got K=${K} V=${V}`);
  if (!(R >= 1)) throw new Error(`probe scores need at least one row, got ${R}`);
  return createDispatch(device, {
    label: 'probe_scores',
    pipeline: getPipeline(device, 'probe_scores', code, { WG: topkWorkgroup(V) }),
    params: packParams([{ u32: V }, { u32: K }]),
    buffers: [out, logits, targets],
    workgroups: R,
  });
}
