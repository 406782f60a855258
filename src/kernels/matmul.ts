import common from './matmul.wgsl?raw';
import blockBody from './matmul_block.wgsl?raw';
import plainEntry from './matmul_plain.wgsl?raw';
import subgroupEntry from './matmul_subgroups.wgsl?raw';
import tiledEntry from './matmul_tiled.wgsl?raw';
import { createDispatch, getPipeline, packParams, type Buf, type Dispatch } from '../gpu/dispatch';
import { createBuffer, USAGE } from '../gpu/buffers';
import { subgroupsUsable } from '../gpu/subgroups';

/** The modules (matmul.wgsl's header): whole files joined, nothing spliced into them. */
const PLAIN = `${common}\n${blockBody}\n${plainEntry}`;
const SUBGROUPS = `enable subgroups;\n${common}\n${blockBody}\n${subgroupEntry}`;
const TILED = `${common}\n${tiledEntry}`;

/**
 * 'nn': out = A·B, A (M, K), B (K, N). 'nt': out = A·Bᵀ, B (N, K). 'tn': out = Aᵀ·B, A (K, M).
 * out is always (M, N), row-major.
 */
export type MatmulLayout = 'nn' | 'nt' | 'tn';

/**
 * The kernels that compute the same matmul, cut differently (ids are what the tuner stores and
 * WEBGPU_GPT_MATMUL / `variant` accept):
 * - 'block': matmul_block.wgsl, 8x8 outputs per thread in 8x8 threads, straight from storage
 *   (fastest on lavapipe without subgroups); 'block_sg': the same with A shared by subgroup
 *   shuffles (only where src/gpu/subgroups.ts's probe passed);
 * - 'tiled{X}x{Y}k{K}': matmul_tiled.wgsl with workgroup memory, X x Y threads of 4x4 outputs,
 *   K-slices of K (what GPUs want);
 * - 'direct{X}x{Y}': matmul_tiled.wgsl without workgroup memory or barriers, X x Y threads of 4x4
 *   outputs, everything in named vector registers (SwiftShader).
 */
export type MatmulVariant = 'block' | 'block_sg' | `tiled${number}x${number}k${number}` | `direct${number}x${number}`;

/** Every variant the tests check and the tuner may time (block_sg only where subgroups run). */
export const MATMUL_VARIANTS: readonly MatmulVariant[] = [
  'block',
  'block_sg',
  'direct16x4',
  'direct8x8',
  'tiled16x16k16',
  'tiled8x8k16',
  // One row of threads: for decoding (M = 1), where 4x4 blocks already repeat row 0 four times.
  'direct64x1',
];

type Kernel = { kind: 'block'; subgroups: boolean } | { kind: 'tiled'; shared: boolean; wgX: number; wgY: number; tileK: number };

/** Parses a variant id; throws on one that is not of the forms above. */
export function parseMatmulVariant(id: string): Kernel {
  if (id === 'block' || id === 'block_sg') return { kind: 'block', subgroups: id === 'block_sg' };
  const t = /^tiled(\d+)x(\d+)k(\d+)$/.exec(id);
  if (t) {
    const [wgX, wgY, tileK] = [Number(t[1]), Number(t[2]), Number(t[3])];
    if (tileK % 4 !== 0 || tileK === 0) throw new Error(`matmul variant ${id}: the K slice must be a positive multiple of 4`);
    return { kind: 'tiled', shared: true, wgX, wgY, tileK };
  }
  const d = /^direct(\d+)x(\d+)$/.exec(id);
  if (d) return { kind: 'tiled', shared: false, wgX: Number(d[1]), wgY: Number(d[2]), tileK: 4 };
  throw new Error(`unknown matmul variant '${id}' (known: ${MATMUL_VARIANTS.join(', ')})`);
}

/** Whether `variant` can run on this device (subgroups probed, workgroup within the limits). */
export function matmulVariantRuns(device: GPUDevice, variant: MatmulVariant): boolean {
  const k = parseMatmulVariant(variant);
  if (k.kind === 'block') return !k.subgroups || subgroupsUsable(device);
  const { limits } = device;
  return (
    k.wgX <= limits.maxComputeWorkgroupSizeX &&
    k.wgY <= limits.maxComputeWorkgroupSizeY &&
    k.wgX * k.wgY <= limits.maxComputeInvocationsPerWorkgroup &&
    (k.wgX + k.wgY) * k.tileK * 16 <= limits.maxComputeWorkgroupStorageSize
  );
}

/**
 * Shape classes the tuner picks a variant for: the three layouts with M > 8, and 'decode'
 * (M <= 8, one token at a time), which takes only variants with one row of threads (the block
 * kernels, which switch to it there, and 'direct{X}x1').
 */
export type MatmulShapeClass = MatmulLayout | 'decode';

export function matmulShapeClass(layout: MatmulLayout, M: number): MatmulShapeClass {
  return M <= 8 ? 'decode' : layout;
}

/** Whether a variant suits the decode class: no thread rows beyond the first to repeat row 0. */
export function isDecodeVariant(variant: MatmulVariant): boolean {
  const k = parseMatmulVariant(variant);
  return k.kind === 'block' || (!k.shared && k.wgY === 1);
}

/** A variant per shape class (part of the device's KernelChoice, src/kernels/choice.ts); a class left out takes the default. */
export type MatmulChoice = Partial<Record<MatmulShapeClass, MatmulVariant>>;

/** The variant used when nothing was tuned or chosen: the register block, with subgroups where they run. */
export function defaultMatmulVariant(device: GPUDevice): MatmulVariant {
  return subgroupsUsable(device) ? 'block_sg' : 'block';
}

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
  /**
   * The device's choice (KernelChoice, src/kernels/choice.ts): the variant of this shape class,
   * else defaultMatmulVariant; for decoding shapes (M <= 8) a chosen variant must suit them
   * (isDecodeVariant), else the default runs.
   */
  choice?: MatmulChoice;
  /** This kernel, whatever the choice (tests, benchmarks, the tuner's candidates). */
  variant?: MatmulVariant;
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

/** The variant `matmul` runs for these args on this device. */
export function resolveMatmulVariant(device: GPUDevice, args: Pick<MatmulArgs, 'variant' | 'choice' | 'layout' | 'M'>): MatmulVariant {
  const cls = matmulShapeClass(args.layout ?? 'nn', args.M);
  const explicit = args.variant;
  let v = explicit ?? args.choice?.[cls] ?? defaultMatmulVariant(device);
  // A chosen (not explicitly asked for) variant with several thread rows would repeat row 0 when decoding.
  if (!explicit && cls === 'decode' && !isDecodeVariant(v)) v = defaultMatmulVariant(device);
  if (!matmulVariantRuns(device, v)) {
    throw new Error(v === 'block_sg' ? 'matmul: subgroups requested, but this device cannot run the subgroup kernel' : `matmul: variant ${v} cannot run on this device`);
  }
  return v;
}

/**
 * out (M, N) = epilogue(op(A) · op(B) + bias): one dispatch. Block variants: (ceil(N/64), ceil(M/64))
 * workgroups (ceil(M/8) when M <= 8); tiled/direct: (ceil(N/(4·X)), ceil(M/(4·Y))). The label ends
 * with the variant's id. `out` must not alias any input (nor `preact`).
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
  const variant = resolveMatmulVariant(device, args);
  const kernel = parseMatmulVariant(variant);
  const constants: Record<string, number> = {
    LAYOUT: LAYOUT_ID[layout],
    VEC_A: vecA ? 1 : 0,
    VEC_B: vecB ? 1 : 0,
    HAS_BIAS: bias ? 1 : 0,
    GELU: gelu ? 1 : 0,
    STORE_PREACT: preact ? 1 : 0,
    ACCUMULATE: accumulate ? 1 : 0,
  };
  let pipeline: GPUComputePipeline;
  let workgroups: [number, number];
  if (kernel.kind === 'block') {
    constants.WG_Y = threadsAlongM(M);
    pipeline = getPipeline(device, kernel.subgroups ? 'matmul_sg' : 'matmul', kernel.subgroups ? SUBGROUPS : PLAIN, constants);
    workgroups = [Math.ceil(N / TILE_N), Math.ceil(M / (8 * threadsAlongM(M)))];
  } else {
    Object.assign(constants, { WG_X: kernel.wgX, WG_Y: kernel.wgY, TILE_K: kernel.tileK, SHARED: kernel.shared ? 1 : 0 });
    pipeline = getPipeline(device, 'matmul_tiled', TILED, constants);
    workgroups = [Math.ceil(N / (4 * kernel.wgX)), Math.ceil(M / (4 * kernel.wgY))];
  }
  const unused = placeholder(device);
  const read: Buf = { buffer: unused.read };
  const label = `matmul_${layout}${bias ? '_bias' : ''}${gelu ? '_gelu' : ''}${accumulate ? '_acc' : ''}_${variant}`;
  return createDispatch(device, {
    label,
    pipeline,
    params: packParams([{ u32: M }, { u32: N }, { u32: K }, { u32: lda }, { u32: ldc }]),
    // Binding order of matmul.wgsl: out, preact, a, b, bias, a4, b4.
    buffers: [out, preact ?? { buffer: unused.write }, a, b, bias ?? read, vecA ? a : read, vecB ? b : read],
    workgroups,
  });
}
