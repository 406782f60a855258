/**
 * Causal multi-head self-attention on a GPT-2 c_attn output qkv (B, T, 3C): rows [q | k | v], head h
 * at columns h*HS..(h+1)*HS of each part, HS = C / NH (1..64), scores scaled by 1/√HS.
 * Training may drop attention weights (nanoGPT's attn_dropout) inside the fused kernels.
 */
import rngCode from './dropout_rng.wgsl?raw';
import forwardFile from './attention_forward.wgsl?raw';
import backwardFile from './attention_backward.wgsl?raw';
import decodeCode from './attention_decode.wgsl?raw';
import forwardSubgroups from './attention_forward_subgroups.wgsl?raw';
import forwardTiled from './attention_forward_tiled.wgsl?raw';
import backwardSubgroups from './attention_backward_subgroups.wgsl?raw';
import { subgroupsUsable } from '../gpu/subgroups';
import { createDispatch, getPipeline, packParams, setParams, type Buf, type Dispatch } from '../gpu/dispatch';
import { dropoutParams, type DropoutSpec } from './dropout';

/** Modules are whole files joined: the dropout hash, the kernel's file, and (with `enable subgroups;` first) its subgroup entry points. */
const forwardCode = `${rngCode}\n${forwardFile}`;
const backwardCode = `${rngCode}\n${backwardFile}`;
const FORWARD_SG = `enable subgroups;\n${forwardCode}\n${forwardSubgroups}`;
const FORWARD_TILED = `${forwardCode}\n${forwardTiled}`;
const BACKWARD_SG = `enable subgroups;\n${backwardCode}\n${backwardSubgroups}`;

/**
 * Forward kernels: 'plain' (attention_forward.wgsl), 'subgroups' (attention_forward_subgroups.wgsl;
 * where src/gpu/subgroups.ts allows it), 'tiled' (attention_forward_tiled.wgsl: k/v tiles in
 * workgroup memory). The subgroup and vec4 kernels need HS % 4 == 0; other head sizes run 'plain'
 * in their place. Backward is the same for all: it reads the forward's out and lse.
 */
export type AttentionVariant = 'plain' | 'subgroups' | 'tiled';
export const ATTENTION_VARIANTS: readonly AttentionVariant[] = ['plain', 'subgroups', 'tiled'];

/** Whether `v` names a forward variant this device can run. */
export function attentionVariantRuns(device: GPUDevice, v: string): v is AttentionVariant {
  return (ATTENTION_VARIANTS as readonly string[]).includes(v) && (v !== 'subgroups' || subgroupsUsable(device));
}

/** The forward variant with no choice stored: subgroups where usable, else plain. */
export function defaultAttentionVariant(device: GPUDevice): AttentionVariant {
  return subgroupsUsable(device) ? 'subgroups' : 'plain';
}

export interface AttentionOptions {
  /**
   * Dropout on the attention weights (training). With p > 0 the plain (non-subgroup) entry points
   * run, specialised by DROPOUT = true: only they implement it. Backward must get the same spec.
   */
  dropout?: DropoutSpec;
  /**
   * Which kernels: the forward's variant (the device's KernelChoice, src/kernels/choice.ts), and
   * for the backward 'subgroups' or not. Default defaultAttentionVariant. With dropout only
   * 'plain' (or none) may be asked for.
   */
  variant?: AttentionVariant;
}

/** Whether dropout is on; only the plain kernels implement it. */
function dropping(opts: AttentionOptions): boolean {
  if (!opts.dropout || opts.dropout.p === 0) return false;
  if (opts.variant !== undefined && opts.variant !== 'plain') throw new Error(`attention: dropout runs on the plain kernels only; do not request '${opts.variant}' with it`);
  return true;
}

/** Uniforms {T, C, stream, threshold, scale} (the dropout fields are unread with DROPOUT off). */
function attentionParams(T: number, C: number, opts: AttentionOptions): ArrayBuffer {
  return packParams([{ u32: T }, { u32: C }, ...dropoutParams(opts.dropout?.p ?? 0, opts.dropout?.stream ?? 0)]);
}

/** The variant that runs: plain with dropout, else the one asked for, else the default; refuses one this device cannot run. */
function variantOf(device: GPUDevice, opts: AttentionOptions): AttentionVariant {
  if (dropping(opts)) return 'plain';
  const v = opts.variant ?? defaultAttentionVariant(device);
  if (!attentionVariantRuns(device, v)) throw new Error(v === 'subgroups' ? 'attention: subgroups requested, but this device cannot run the subgroup kernels' : `attention: variant ${v} cannot run on this device`);
  return v;
}

/** Largest head size: the kernels keep a row of q/acc in fixed-size private arrays. */
export const ATTENTION_MAX_HS = 64;
/** Query (or key) rows per workgroup of the fused kernels (one or two rows per thread). */
const ROWS = 64;
/** The tiled forward's query rows per workgroup and keys per tile (2·BK·HS floats of workgroup memory: 16 KiB at HS = 64). */
const TILED_BQ = 64;
const TILED_BK = 32;

function headSize(C: number, NH: number): number {
  const HS = C / NH;
  if (!Number.isInteger(HS) || HS < 1 || HS > ATTENTION_MAX_HS) {
    throw new Error(`attention: C=${C}, NH=${NH} gives head size ${HS}; need an integer 1..${ATTENTION_MAX_HS}`);
  }
  return HS;
}

/** Fused forward with online softmax; never materialises T×T. lse (B,NH,T) = log-sum-exp of the scaled scores per query row, kept for backward. */
export function attentionForward(device: GPUDevice, out: Buf /*(B,T,C)*/, lse: Buf /*(B,NH,T)*/, qkv: Buf, B: number, T: number, C: number, NH: number, opts: AttentionOptions = {}): Dispatch[] {
  const HS = headSize(C, NH);
  const drop = dropping(opts);
  const variant = variantOf(device, opts);
  if (variant === 'tiled') {
    return [
      createDispatch(device, {
        label: 'attention_forward_tiled',
        pipeline: getPipeline(device, 'attention_forward_tiled', FORWARD_TILED, { HS, BQ: TILED_BQ, BK: TILED_BK }, 'main_tiled'),
        params: attentionParams(T, C, opts),
        buffers: [out, lse, qkv],
        workgroups: [Math.ceil(T / TILED_BQ), NH, B],
      }),
    ];
  }
  // vec4 loads need every head's columns 4-aligned; odd head sizes take the scalar kernel.
  const vec4 = HS % 4 === 0;
  const sg = vec4 && variant === 'subgroups';
  const dropConst: Record<string, number> = drop ? { DROPOUT: 1 } : {};
  // The plain entry points read a seed (binding 4) only with DROPOUT on; without, qkv fills the slot.
  const seed = drop ? opts.dropout!.seed : qkv;
  return [
    createDispatch(device, {
      label: sg ? 'attention_forward_sg' : drop ? 'attention_forward_dropout' : 'attention_forward',
      pipeline: sg
        ? getPipeline(device, 'attention_forward_sg', FORWARD_SG, { HS, BR: ROWS / 2 }, 'main_vec4x2_sg')
        : getPipeline(device, 'attention_forward', forwardCode, { HS, BR: vec4 ? ROWS / 2 : ROWS, ...dropConst }, vec4 ? 'main_vec4x2' : 'main'),
      params: attentionParams(T, C, opts),
      buffers: sg ? [out, lse, qkv] : [out, lse, qkv, seed],
      workgroups: [Math.ceil(T / ROWS), NH, B],
    }),
  ];
}

/** Backward (FlashAttention-2 style recomputation from lse). dqkv (B,T,3C) is overwritten. delta (B,NH,T) is scratch (rowsum(dout·out)). Deterministic: no float atomics. */
export function attentionBackward(device: GPUDevice, dqkv: Buf, delta: Buf, dout: Buf, out: Buf, lse: Buf, qkv: Buf, B: number, T: number, C: number, NH: number, opts: AttentionOptions = {}): Dispatch[] {
  const HS = headSize(C, NH);
  const params = attentionParams(T, C, opts);
  const workgroups: [number, number, number] = [Math.ceil(T / ROWS), NH, B];
  // vec4 kernels where every head's columns are 4-aligned; two rows per thread (BR = 32 threads for
  // 64 rows) except dkv at HS > 32, where two rows' registers spill (attention_backward.wgsl).
  // With subgroups, the rows every thread reads are loaded once per 8 lanes (attention_backward_subgroups.wgsl).
  const vec4 = HS % 4 === 0;
  const sg = vec4 && variantOf(device, opts) === 'subgroups'; // 'tiled' is a forward: its backward is the plain one
  const dq = !vec4 ? { entry: 'dq', BR: ROWS } : { entry: sg ? 'dq_vec4x2_sg' : 'dq_vec4x2', BR: ROWS / 2 };
  const dkv = !vec4 ? { entry: 'dkv', BR: ROWS } : HS <= 32 ? { entry: sg ? 'dkv_vec4x2_sg' : 'dkv_vec4x2', BR: ROWS / 2 } : { entry: 'dkv_vec4', BR: ROWS };
  const code = sg ? BACKWARD_SG : backwardCode;
  const name = sg ? 'attention_backward_sg' : 'attention_backward';
  const drop = dropping(opts);
  const dropConst: Record<string, number> = drop ? { DROPOUT: 1 } : {};
  // The plain entry points read a seed (dq: binding 7, dkv: 6) only with DROPOUT on; without, qkv fills the slot.
  const seed = drop ? opts.dropout!.seed : qkv;
  const dkvSg = sg && HS <= 32;
  const suffix = drop ? '_dropout' : '';
  return [
    // dq (and delta) first: dkv reads delta.
    createDispatch(device, {
      label: `attention_backward_dq${sg ? '_sg' : suffix}`,
      pipeline: getPipeline(device, name, code, { HS, BR: dq.BR, ...dropConst }, dq.entry),
      params,
      buffers: sg ? [dqkv, delta, dout, out, lse, qkv] : [dqkv, delta, dout, out, lse, qkv, seed],
      workgroups,
    }),
    createDispatch(device, {
      label: `attention_backward_dkv${dkvSg ? '_sg' : suffix}`,
      pipeline: getPipeline(device, name, code, { HS, BR: dkv.BR, ...dropConst }, dkv.entry),
      params,
      buffers: dkvSg ? [dqkv, delta, dout, lse, qkv] : [dqkv, delta, dout, lse, qkv, seed],
      workgroups,
    }),
  ];
}

/**
 * Decode one token with a KV cache (batch 1): writes k,v of the new token (from qkv, (3C)) into
 * kCache/vCache (maxT, C) at row pos, then attends q over rows 0..pos. out (C). probs: the softmax
 * rows, packed (NH, pos+1) from float `probsBase(pos)` on (default 0): head h's row is
 * [base + h*(pos+1) .. base + h*(pos+1) + pos]. A decoder gives each layer its own base, so that
 * every layer's rows lie back to back in one buffer and come back in one copy. With `scoresBase`
 * (the "How it works" trace, src/model/trace.ts) the scaled scores before the softmax are kept in
 * probs too, packed the same way from float `scoresBase(pos)`: the trace's attention costs no
 * dispatch of its own.
 */
export function attentionDecode(
  device: GPUDevice,
  out: Buf,
  probs: Buf,
  qkv: Buf,
  kCache: Buf,
  vCache: Buf,
  C: number,
  NH: number,
  maxT: number,
  probsBase: (pos: number) => number = () => 0,
  scoresBase?: (pos: number) => number,
): { dispatches: Dispatch[]; setPosition(pos: number): void } {
  const HS = headSize(C, NH);
  const params = (pos: number) => packParams([{ u32: pos }, { u32: C }, { u32: maxT }, { u32: probsBase(pos) }, { u32: scoresBase?.(pos) ?? 0 }]);
  const d = createDispatch(device, {
    label: scoresBase ? 'attention_decode_scores' : 'attention_decode',
    pipeline: getPipeline(device, 'attention_decode', decodeCode, { HS, KEEP_SCORES: scoresBase ? 1 : 0 }, 'decode'),
    params: params(0),
    buffers: [out, probs, qkv, kCache, vCache],
    workgroups: NH, // one workgroup per head
  });
  return {
    dispatches: [d],
    setPosition(pos: number) {
      if (!Number.isInteger(pos) || pos < 0 || pos >= maxT) throw new Error(`attentionDecode: position ${pos} outside 0..${maxT - 1}`);
      setParams(device, d, params(pos));
    },
  };
}
