import { describe, expect, it } from 'vitest';
import { MATMUL_VARIANTS, matmul, matmulVariantRuns, type MatmulLayout, type MatmulVariant } from './matmul';
import { matmulBackward, matmulReference } from '../reference/matmul';
import { runKernelCase, type Tol } from '../../test/kernel-case';
import { checkGradient } from '../../test/gradcheck';
import { subgroupKernelsRun, testDevice } from '../../test/gpu';
import { Rng, randomFloats } from '../../test/random';
import { USAGE } from '../gpu/buffers';
import { subgroupsUsable } from '../gpu/subgroups';

/**
 * Tolerances. Inputs are uniform in [-1, 1]. A float32 sum of K products rounds about K times,
 * each by 2^-24 of a partial sum that is ~sqrt(K)/3 in size; the errors add like a random walk,
 * so the total is ~K·2e-8. atol = 1e-5·sqrt(K) is >10x above that up to K = 2500, yet a wrong,
 * missing or repeated product (~0.25 on average) is thousands of atols away. rtol 1e-5 covers
 * the bias add; GELU gets rtol 1e-4 because WGSL's tanh need not be correctly rounded.
 */
function tol(K: number, rtol = 1e-5): Tol {
  return { atol: 1e-5 * Math.sqrt(Math.max(K, 1)), rtol };
}

interface Case {
  M: number;
  N: number;
  K: number;
  layout: MatmulLayout;
  bias?: boolean;
  gelu?: boolean;
  preact?: boolean;
  accumulate?: boolean;
  /** The kernel (MATMUL_VARIANTS); 'block_sg' only where the subgroup probe passed. */
  variant: MatmulVariant;
}

function caseName(c: Case): string {
  const flags = [c.bias && 'bias', c.gelu && (c.preact ? 'gelu+preact' : 'gelu'), c.accumulate && 'accumulate'].filter(Boolean);
  return `[${c.variant}] ${c.layout} M=${c.M} N=${c.N} K=${c.K}${flags.length ? ' ' + flags.join(' ') : ''}`;
}

/** Seeded inputs, the kernel and the float64 reference on them, compared with runKernelCase. */
async function check(c: Case): Promise<void> {
  const { M, N, K, layout } = c;
  const rng = new Rng(M * 1_000_003 + N * 1009 + K * 7 + layout.length);
  const a = randomFloats(rng, M * K); // (M, K), or (K, M) for 'tn'
  const b = randomFloats(rng, K * N); // (K, N), or (N, K) for 'nt'
  // GELU cases spread the pre-activations to ±8 so that the tanh clamp (|x| > ~5.4) is exercised.
  const bias = c.bias ? randomFloats(rng, N, c.gelu ? -8 : -1, c.gelu ? 8 : 1) : undefined;
  const init = c.accumulate ? randomFloats(rng, M * N) : undefined;
  const ref = matmulReference(a, b, bias, M, N, K, layout, { gelu: c.gelu, accumulate: init });
  const inputs: Record<string, Float32Array> = { a, b };
  if (bias) inputs.bias = bias;
  const outputs: Record<string, number | Float32Array> = { out: init ?? M * N };
  if (c.preact) outputs.preact = M * N;
  const expected: Record<string, Float64Array> = { out: ref.out };
  if (c.preact) expected.preact = ref.preact;
  await runKernelCase({
    name: `matmul ${caseName(c)}`,
    inputs,
    outputs,
    build: (dev, x) =>
      matmul(dev, {
        out: { buffer: x.out! },
        a: { buffer: x.a! },
        b: { buffer: x.b! },
        bias: bias ? { buffer: x.bias! } : undefined,
        preact: c.preact ? { buffer: x.preact! } : undefined,
        M,
        N,
        K,
        layout,
        gelu: c.gelu,
        accumulate: c.accumulate,
        variant: c.variant,
      }),
    expected,
    tol: { out: tol(K, c.gelu ? 1e-4 : 1e-5), preact: tol(K) },
  });
}

// (M, N, K): each of 1, 3, 17, 63, 65, 127 in every position, tiles cut at every edge (64 is the
// tile), M = 1 (decoding), and sizes that take the vec4 paths ((65, 68, 20): both inputs vec4 with
// ragged tiles; (68, 65, 20): only one side vec4, which side depending on the layout).
const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [3, 17, 63],
  [17, 3, 127],
  [63, 65, 17],
  [65, 127, 3],
  [127, 63, 65],
  [1, 127, 17],
  [65, 68, 20],
  [68, 65, 20],
  [128, 192, 200],
];

/**
 * Every variant runs every case: the subgroup one where the device passed src/gpu/subgroups.ts's
 * probe (lavapipe, the CI adapter, passes it, so under CI its absence is a failure).
 */
async function variantRuns(v: MatmulVariant): Promise<boolean> {
  if (v === 'block_sg') return subgroupKernelsRun();
  const usable = matmulVariantRuns(await testDevice(), v);
  if (!usable) throw new Error(`matmul variant ${v} should run on every WebGPU device (default limits)`);
  return usable;
}

async function variantCheck(c: Case): Promise<void> {
  if (!(await variantRuns(c.variant))) return; // that kernel does not exist on this device
  await check(c);
}

describe('matmul', () => {
  it('picks the subgroup kernel exactly where the probe allows it', async () => {
    const device = await testDevice();
    const tiny = device.createBuffer({ size: 256, usage: USAGE.STORAGE });
    const buf = { buffer: tiny };
    const usable = subgroupsUsable(device);
    if (process.env.CI) expect(usable).toBe(true);
    expect(matmul(device, { out: buf, a: buf, b: buf, M: 2, N: 3, K: 4 }).label.endsWith('_sg')).toBe(usable);
    expect(matmul(device, { out: buf, a: buf, b: buf, M: 2, N: 3, K: 4, variant: 'block' }).label.endsWith('_sg')).toBe(false);
    tiny.destroy();
  });

  it('builds the choice for a shape class, and the block kernel for decoding shapes', async () => {
    const device = await testDevice();
    const tiny = device.createBuffer({ size: 256, usage: USAGE.STORAGE });
    const buf = { buffer: tiny };
    try {
      const choice = { nt: 'direct8x8', decode: 'tiled8x8k16' } as const;
      expect(matmul(device, { out: buf, a: buf, b: buf, M: 16, N: 3, K: 4, layout: 'nt', choice }).label).toMatch(/_direct8x8$/);
      expect(matmul(device, { out: buf, a: buf, b: buf, M: 16, N: 3, K: 4, layout: 'nn', choice }).label).toMatch(/_block(_sg)?$/);
      expect(matmul(device, { out: buf, a: buf, b: buf, M: 1, N: 3, K: 4, layout: 'nt', choice }).label).toMatch(/_block(_sg)?$/);
      expect(matmul(device, { out: buf, a: buf, b: buf, M: 16, N: 3, K: 4, layout: 'nt', choice, variant: 'tiled16x16k16' }).label).toMatch(/_tiled16x16k16$/);
      expect(() => matmul(device, { out: buf, a: buf, b: buf, M: 16, N: 3, K: 4, variant: 'direct' as MatmulVariant })).toThrow(/unknown matmul variant/);
    } finally {
      tiny.destroy();
    }
  });

  for (const variant of MATMUL_VARIANTS) {
    for (const layout of ['nn', 'nt', 'tn'] as const) {
      for (const [M, N, K] of SIZES) {
        const c: Case = { M, N, K, layout, variant };
        it(`matches the reference: ${caseName(c)}`, () => variantCheck(c));
      }
    }

    const epilogues: Omit<Case, 'variant'>[] = [
      { M: 63, N: 65, K: 17, layout: 'nn', bias: true },
      { M: 128, N: 192, K: 200, layout: 'nt', bias: true },
      { M: 65, N: 127, K: 17, layout: 'nn', bias: true, gelu: true, preact: true },
      { M: 65, N: 68, K: 20, layout: 'nt', bias: true, gelu: true, preact: true },
      { M: 1, N: 127, K: 17, layout: 'nn', bias: true, gelu: true },
      { M: 127, N: 63, K: 65, layout: 'tn', accumulate: true },
      { M: 128, N: 192, K: 200, layout: 'nn', bias: true, accumulate: true },
    ];
    for (const e of epilogues) {
      const c: Case = { ...e, variant };
      it(`matches the reference: ${caseName(c)}`, () => variantCheck(c));
    }
  }

  it('keeps the GPT-2 tied head (8192 x 50257 x 768, nt) within the dispatch limits', async () => {
    const device = await testDevice();
    const tiny = device.createBuffer({ size: 256, usage: USAGE.STORAGE });
    const buf = { buffer: tiny };
    // Only the geometry is checked: the dispatch is built, never run, so small buffers do.
    const d = matmul(device, { out: buf, a: buf, b: buf, M: 8192, N: 50257, K: 768, layout: 'nt' });
    expect(d.workgroups).toEqual([786, 128, 1]);
    tiny.destroy();
  });

  it('rejects gelu with accumulate, and preact without gelu', async () => {
    const device = await testDevice();
    const tiny = device.createBuffer({ size: 256, usage: USAGE.STORAGE });
    const buf = { buffer: tiny };
    expect(() => matmul(device, { out: buf, a: buf, b: buf, M: 1, N: 1, K: 1, gelu: true, accumulate: true })).toThrow(/gelu/);
    expect(() => matmul(device, { out: buf, a: buf, b: buf, M: 1, N: 1, K: 1, preact: buf })).toThrow(/preact/);
    tiny.destroy();
  });
});

/**
 * A and out as column blocks of wider matrices (row strides lda, ldc), bound at an offset of 64
 * floats (256 bytes, the largest binding alignment), as the tied head uses them over a vocabulary
 * split into chunks. The padding around the blocks holds random values: A's must not be read,
 * out's must not be written.
 */
async function checkStrided(c: Case & { lda: number; ldc: number }): Promise<void> {
  if (!(await variantRuns(c.variant))) return;
  const { M, N, K, layout, lda, ldc } = c;
  const OFF = 64;
  const rng = new Rng(M * 31 + N * 17 + K + lda + ldc);
  const aRows = layout === 'tn' ? K : M;
  const aCols = layout === 'tn' ? M : K;
  const aWide = randomFloats(rng, OFF + aRows * lda);
  const a = new Float32Array(aRows * aCols);
  for (let r = 0; r < aRows; r++) a.set(aWide.subarray(OFF + r * lda, OFF + r * lda + aCols), r * aCols);
  const b = randomFloats(rng, K * N);
  const outWide = randomFloats(rng, OFF + M * ldc);
  const block = new Float32Array(M * N);
  for (let m = 0; m < M; m++) block.set(outWide.subarray(OFF + m * ldc, OFF + m * ldc + N), m * N);
  const ref = matmulReference(a, b, undefined, M, N, K, layout, { accumulate: c.accumulate ? block : undefined });
  const expected = Float64Array.from(outWide);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) expected[OFF + m * ldc + n] = ref.out[m * N + n]!;
  await runKernelCase({
    name: `matmul strided ${caseName(c)} lda=${lda} ldc=${ldc}`,
    inputs: { a: aWide, b },
    outputs: { out: outWide },
    build: (dev, x) =>
      matmul(dev, {
        out: { buffer: x.out!, offset: OFF * 4 },
        a: { buffer: x.a!, offset: OFF * 4 },
        b: { buffer: x.b! },
        M,
        N,
        K,
        layout,
        lda,
        ldc,
        accumulate: c.accumulate,
        variant: c.variant,
      }),
    expected: { out: expected },
    tol: tol(K),
  });
}

describe('matmul with row strides (column blocks of wider matrices)', () => {
  // The three uses of the split head: logits block = lnf · wte_chunkᵀ ('nt', ldc = V), dlnf +=
  // dlogits block · wte_chunk ('nn', lda = V, accumulated), dwte_chunk = dlogits blockᵀ · lnf
  // ('tn', lda = V). Odd strides take the scalar loads, multiples of 4 the vec4 ones.
  const cases: (Omit<Case, 'variant'> & { lda: number; ldc: number })[] = [
    { M: 17, N: 65, K: 20, layout: 'nt', lda: 20, ldc: 131 },
    { M: 65, N: 64, K: 20, layout: 'nt', lda: 20, ldc: 200 },
    { M: 17, N: 20, K: 65, layout: 'nn', lda: 131, ldc: 20, accumulate: true },
    { M: 17, N: 20, K: 64, layout: 'nn', lda: 200, ldc: 20 },
    { M: 65, N: 20, K: 17, layout: 'tn', lda: 131, ldc: 20 },
    { M: 64, N: 20, K: 17, layout: 'tn', lda: 200, ldc: 23 },
    { M: 1, N: 65, K: 20, layout: 'nt', lda: 20, ldc: 65 },
  ];
  for (const variant of MATMUL_VARIANTS) {
    for (const c of cases) it(`matches the reference: ${caseName({ ...c, variant })} lda=${c.lda} ldc=${c.ldc}`, () => checkStrided({ ...c, variant }));
  }

  it('rejects strides narrower than the matrix', async () => {
    const device = await testDevice();
    const tiny = device.createBuffer({ size: 256, usage: USAGE.STORAGE });
    const buf = { buffer: tiny };
    expect(() => matmul(device, { out: buf, a: buf, b: buf, M: 2, N: 3, K: 4, lda: 3 })).toThrow(/lda/);
    expect(() => matmul(device, { out: buf, a: buf, b: buf, M: 2, N: 3, K: 4, ldc: 2 })).toThrow(/ldc/);
    tiny.destroy();
  });
});

describe('matmul backward', () => {
  // out = A·B + bias, A (M, K), B (K, N): dA = dout·Bᵀ, dB = Aᵀ·dout, dbias = Σ_rows dout.
  const [M, N, K] = [5, 4, 3];
  const rng = new Rng(42);
  const a = randomFloats(rng, M * K);
  const b = randomFloats(rng, K * N);
  const bias = randomFloats(rng, N);
  const dout = randomFloats(rng, M * N);
  const db0 = randomFloats(rng, K * N); // dB's previous contents, for the accumulating case
  const g = matmulBackward(dout, a, b, M, N, K);

  it('reference gradients match finite differences', () => {
    checkGradient('dA', (x) => matmulReference(x, b, bias, M, N, K).out, a, dout, g.da);
    checkGradient('dB', (x) => matmulReference(a, x, bias, M, N, K).out, b, dout, g.db);
    checkGradient('dbias', (x) => matmulReference(a, b, x, M, N, K).out, bias, dout, g.dbias);
  });

  // The model builds its backward from the layouts: dA with 'nt', dB with 'tn' (accumulated).
  it("the 'nt' and 'tn' kernels compute dA and dB", async () => {
    await runKernelCase({
      name: 'matmul backward dA',
      inputs: { dout, b },
      outputs: { da: M * K },
      build: (dev, x) => matmul(dev, { out: { buffer: x.da! }, a: { buffer: x.dout! }, b: { buffer: x.b! }, M, N: K, K: N, layout: 'nt' }),
      expected: { da: g.da },
      tol: tol(N),
    });
    await runKernelCase({
      name: 'matmul backward dB (accumulated)',
      inputs: { a, dout },
      outputs: { db: db0 },
      build: (dev, x) =>
        matmul(dev, { out: { buffer: x.db! }, a: { buffer: x.a! }, b: { buffer: x.dout! }, M: K, N, K: M, layout: 'tn', accumulate: true }),
      expected: { db: g.db.map((v, i) => v + db0[i]!) },
      tol: tol(M),
    });
  });
});
