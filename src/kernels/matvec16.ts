import common from './matvec16.wgsl?raw';
import packedForm from './matvec16_packed.wgsl?raw';
import f16Form from './matvec16_f16.wgsl?raw';
import { packedRowWords } from './packed16';
import { createDispatch, getPipeline, packParams, type Buf, type Dispatch } from '../gpu/dispatch';
import { createBuffer, USAGE } from '../gpu/buffers';

/** The modules (matvec16.wgsl's header): whole files joined, nothing spliced into them. */
const PACKED = `${common}\n${packedForm}`;
const F16 = `enable f16;\n${common}\n${f16Form}`;

/**
 * How the 16-bit weights are read (the bytes are the same, src/kernels/packed16.ts's layout):
 * 'packed' widens u32 pairs with unpack2x16float (every adapter); 'f16' reads array<f16> (only
 * where the device has 'shader-f16').
 */
export type Storage16 = 'packed' | 'f16';

export function storage16Runs(device: GPUDevice, form: Storage16): boolean {
  return form === 'packed' || device.features.has('shader-f16');
}

export interface Matvec16Args {
  /** (M, ldc) f32. */
  out: Buf;
  /** (M, lda) f32. */
  a: Buf;
  /** The 16-bit weights: (K, N) packed along N for 'nn', (N, K) packed along K for 'nt' (packRows16). */
  w: Buf;
  /** (N) f32, added to every row. */
  bias?: Buf;
  M: number;
  N: number;
  K: number;
  /** 'nn' (default): out = a · W; 'nt': out = a · Wᵀ (the tied head). */
  layout?: 'nn' | 'nt';
  /** out = gelu_tanh(acc + bias). */
  gelu?: boolean;
  /** (M, ldc) f32: also keep acc + bias, GELU's input (the "How it works" trace shows it). */
  preact?: Buf;
  /** Row strides of a and out in floats: default K and N (out's larger for a column block of the logits). */
  lda?: number;
  ldc?: number;
  /** Default 'packed'. */
  storage?: Storage16;
}

const placeholders = new WeakMap<GPUDevice, { read: GPUBuffer; write: GPUBuffer }>();

/**
 * 16-byte buffers for the bindings a specialisation never touches (WGSL still counts them as used):
 * one for the read-only ones, one for the writable preact (a buffer bound writable may not be bound
 * again in the same dispatch).
 */
function placeholder(device: GPUDevice, use: 'read' | 'write'): GPUBuffer {
  let p = placeholders.get(device);
  if (!p) {
    const make = (label: string) => createBuffer(device, { label, size: 16, usage: USAGE.STORAGE });
    placeholders.set(device, (p = { read: make('matvec16.unused'), write: make('matvec16.unused_rw') }));
  }
  return p[use];
}

/**
 * Rows of a 'nn' product one thread computes when M > 1 (matvec16.wgsl's ROWS, at most its
 * MAX_ROWS): W is read once per tile of rows instead of once per row. M = 1 keeps ROWS = 1, the
 * decode step's kernel. Measured on lavapipe, GPT-2 small's c_attn + c_fc + mlp.c_proj over 255
 * rows, packed form (ms, two runs on a loaded machine): ROWS 1: 491; 4: 289, 368; 8: 250, 289;
 * 16: 362, 347. (f16 form: 1: 891, 8: 460, 16: 367.)
 */
export const MATVEC16_ROWS = 8;

/**
 * out (M, N) = epilogue(a · op(W) + bias) with W in 16-bit storage, f32 accumulation: one dispatch
 * (matvec16.wgsl). Made for decoding (M = 1); 'nn' with M > 1 (the 16-bit prefill's T rows) reads W
 * once per MATVEC16_ROWS rows, 'nt' (the head, M = 1) once per row.
 */
export function matvec16(device: GPUDevice, args: Matvec16Args): Dispatch {
  const { out, a, w, bias, preact, M, N, K, layout = 'nn', gelu = false, storage = 'packed' } = args;
  const { lda = K, ldc = N } = args;
  if (lda < K || ldc < N) throw new Error(`matvec16: lda (${lda}) must be >= K (${K}) and ldc (${ldc}) >= N (${N})`);
  if (!storage16Runs(device, storage)) throw new Error("matvec16: the 'f16' form needs the shader-f16 feature, which this device lacks");
  const vecA = K % 4 === 0 && lda % 4 === 0 && (a.offset ?? 0) % 16 === 0;
  const rows = layout === 'nn' && M > 1 ? MATVEC16_ROWS : 1;
  const constants = { LAYOUT: layout === 'nn' ? 0 : 1, VEC_A: vecA ? 1 : 0, HAS_BIAS: bias ? 1 : 0, GELU: gelu ? 1 : 0, HAS_PREACT: preact ? 1 : 0, ROWS: rows };
  const pipeline = getPipeline(device, `matvec16_${storage}`, storage === 'f16' ? F16 : PACKED, constants);
  // Groups of 8 weights (one 16-byte load) per row of W as stored.
  const ldw = packedRowWords(layout === 'nn' ? N : K) / 4;
  const unused: Buf = { buffer: placeholder(device, 'read') };
  return createDispatch(device, {
    label: `matvec16_${layout}${bias ? '_bias' : ''}${gelu ? '_gelu' : ''}${preact ? '_preact' : ''}_${storage}`,
    pipeline,
    params: packParams([{ u32: M }, { u32: N }, { u32: K }, { u32: ldw }, { u32: lda }, { u32: ldc }]),
    // Binding order of matvec16.wgsl: out, a, a4, w, bias, preact.
    buffers: [out, a, vecA ? a : unused, w, bias ?? unused, preact ?? { buffer: placeholder(device, 'write') }],
    workgroups: [Math.ceil(N / (layout === 'nn' ? 512 : 64)), Math.ceil(M / rows)],
  });
}
