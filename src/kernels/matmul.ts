import common from './matmul.wgsl?raw';
import plainEntry from './matmul_plain.wgsl?raw';
import subgroupEntry from './matmul_subgroups.wgsl?raw';
import { createDispatch, getPipeline, packParams, type Buf, type Dispatch } from '../gpu/dispatch';
import { createBuffer, USAGE } from '../gpu/buffers';
import { subgroupsUsable } from '../gpu/subgroups';

/** The two modules (matmul.wgsl's header): whole files joined, nothing spliced into them. */
const PLAIN = `${common}\n${plainEntry}`;
const SUBGROUPS = `enable subgroups;\n${common}\n${subgroupEntry}`;

/**
 * 'nn': out = A·B, A (M, K), B (K, N). 'nt': out = A·Bᵀ, B (N, K). 'tn': out = Aᵀ·B, A (K, M).
 * out is always (M, N), row-major.
 */
export type MatmulLayout = 'nn' | 'nt' | 'tn';

export interface MatmulArgs {
  out: Buf;
  a: Buf;
  b: Buf;
  /** (N), added to every row. */
  bias?: Buf;
  M: number;
  N: number;
  K: number;
  /** Default 'nn'. */
  layout?: MatmulLayout;
  /** Epilogue: out = gelu_tanh(acc + bias), with the clamp of src/reference/gelu.ts. */
  gelu?: boolean;
  /** With gelu: also store acc + bias here (M, N); the GELU backward needs it. */
  preact?: Buf;
  /** out += result (gradient accumulation). Not combined with gelu. */
  accumulate?: boolean;
  /** Row stride of A in floats: default K ('nn', 'nt') or M ('tn'). Larger reads a column block of a wider matrix. */
  lda?: number;
  /** Row stride of out (and preact) in floats, default N. Larger writes a column block of a wider matrix. */
  ldc?: number;
  /** Share A between threads with subgroup shuffles: default where src/gpu/subgroups.ts allows it; false forces the plain kernel. */
  subgroups?: boolean;
}

/** Output columns per workgroup (8 threads x 8 outputs); TILE_N in matmul.wgsl. */
const TILE_N = 64;
const LAYOUT_ID: Record<MatmulLayout, number> = { nn: 0, nt: 1, tn: 2 };

/**
 * Placeholders for bindings a variant never touches (WGSL counts a binding used under a false
 * `override` branch as used, so it must be bound): a read-only one and a writable one, kept apart
 * because one buffer may not be bound both ways in a dispatch. 16 bytes: the vec4 views' minimum.
 */
const placeholders = new WeakMap<GPUDevice, { read: GPUBuffer; write: GPUBuffer }>();

function placeholder(device: GPUDevice): { read: GPUBuffer; write: GPUBuffer } {
  let p = placeholders.get(device);
  if (!p) {
    const make = (label: string) => createBuffer(device, { label, size: 16, usage: USAGE.STORAGE });
    placeholders.set(device, (p = { read: make('matmul.unused_read'), write: make('matmul.unused_write') }));
  }
  return p;
}

/** A vec4 view needs the contiguous dimension in whole vec4s and a 16-byte-aligned start. */
function canVec4(buf: Buf, contiguous: number): boolean {
  return contiguous % 4 === 0 && (buf.offset ?? 0) % 16 === 0;
}

/**
 * Threads along M per workgroup: 8 (64-row tiles), or 1 when M <= 8, so that decoding (M = 1) does
 * not run 8 copies of the same row (on a software adapter every thread costs, idle or not).
 */
function threadsAlongM(M: number): number {
  return M <= 8 ? 1 : 8;
}

/**
 * out (M, N) = epilogue(op(A) · op(B) + bias): one dispatch of (ceil(N/64), ceil(M/64)) workgroups
 * (ceil(M/8) when M <= 8). `out` must not alias any input (nor `preact`).
 */
export function matmul(device: GPUDevice, args: MatmulArgs): Dispatch {
  const { out, a, b, bias, preact, M, N, K, layout = 'nn', gelu = false, accumulate = false } = args;
  if (gelu && accumulate) throw new Error('matmul: gelu and accumulate cannot be combined');
  if (preact && !gelu) throw new Error('matmul: preact is only written with gelu');
  const aCols = layout === 'tn' ? M : K; // A's contiguous dimension
  const { lda = aCols, ldc = N } = args;
  if (lda < aCols || ldc < N) throw new Error(`matmul: lda (${lda}) must be >= ${aCols} and ldc (${ldc}) >= N (${N})`);
  const vecA = canVec4(a, aCols) && lda % 4 === 0;
  const vecB = canVec4(b, layout === 'nt' ? K : N);
  const constants = {
    LAYOUT: LAYOUT_ID[layout],
    VEC_A: vecA ? 1 : 0,
    VEC_B: vecB ? 1 : 0,
    HAS_BIAS: bias ? 1 : 0,
    GELU: gelu ? 1 : 0,
    STORE_PREACT: preact ? 1 : 0,
    ACCUMULATE: accumulate ? 1 : 0,
    WG_Y: threadsAlongM(M),
  };
  const unused = placeholder(device);
  const read: Buf = { buffer: unused.read };
  const sg = args.subgroups ?? subgroupsUsable(device);
  if (sg && !subgroupsUsable(device)) throw new Error('matmul: subgroups requested, but this device cannot run the subgroup kernel');
  const label = `matmul_${layout}${bias ? '_bias' : ''}${gelu ? '_gelu' : ''}${accumulate ? '_acc' : ''}${sg ? '_sg' : ''}`;
  return createDispatch(device, {
    label,
    pipeline: getPipeline(device, sg ? 'matmul_sg' : 'matmul', sg ? SUBGROUPS : PLAIN, constants),
    params: packParams([{ u32: M }, { u32: N }, { u32: K }, { u32: lda }, { u32: ldc }]),
    // Binding order of matmul.wgsl: out, preact, a, b, bias, a4, b4.
    buffers: [out, preact ?? { buffer: unused.write }, a, b, bias ?? read, vecA ? a : read, vecB ? b : read],
    workgroups: [Math.ceil(N / TILE_N), Math.ceil(M / (8 * threadsAlongM(M)))],
  });
}
