// Matrix multiply with a fused epilogue: out = epilogue(op(A) · op(B) + bias), row-major.
//   LAYOUT 0 'nn': A (M, K), B (K, N)      out = A · B
//   LAYOUT 1 'nt': A (M, K), B (N, K)      out = A · Bᵀ   (tied LM head, dX = dY · Wᵀ)
//   LAYOUT 2 'tn': A (K, M), B (K, N)      out = Aᵀ · B   (weight gradients dW = Xᵀ · dY)
//   epilogue: v = acc + bias[n]; GELU: preact = v, v = gelu_tanh(v); ACCUMULATE: v += out.
//   Row strides: A's rows are lda floats apart (lda = K for nn/nt, M for tn when A is a whole
//   matrix), out's and preact's rows ldc apart (ldc = N): a column block of a wider matrix can be
//   read or written in place (the tied head over a vocabulary split into binding-sized chunks).
// Bindings: params {M, N, K, lda, ldc}; out (M, ldc); preact (M, ldc) (written only when GELU && STORE_PREACT);
//   a, b: the inputs as floats; bias (N) (read only when HAS_BIAS); a4, b4: the same buffers as a, b
//   seen as vec4s (read only when VEC_A / VEC_B). A binding a variant does not touch still has to be
//   bound (WGSL counts uses under a false override branch): the wrapper binds a placeholder there.
// Modules: this file holds the parameters, bindings, loads and the epilogue (`storeOut`), shared by
//   every variant (src/kernels/matmul.ts MATMUL_VARIANTS; src/gpu/tuner.ts picks one per adapter):
//   'block'    = this + matmul_block.wgsl (the 8x8 register block below, which calls `aFragment`,
//                the thread's A values for one 4-deep slice of K) + matmul_plain.wgsl: every
//                thread loads its own A values (8 vec4 loads per slice);
//   'block_sg' = `enable subgroups;` + this + matmul_block.wgsl + matmul_subgroups.wgsl: each of
//     the 8 threads that share A (same ty) loads one of the 8 vec4s and the others get it by
//     subgroupShuffle, 1 load instead of 8. Only on devices where src/gpu/subgroups.ts found
//     subgroups of a multiple of 8 invocations numbered in order. Shipped model's training step on
//     lavapipe: 1020 -> 723 ms.
//   'direct{X}x{Y}', 'tiled{X}x{Y}k{K}' = this + matmul_tiled.wgsl: 4x4 outputs per thread in one
//     mat4x4, without (direct) or with (tiled) workgroup memory; see that file.
// The rest of this header describes the block kernel.
// Dispatch: (ceil(N / 64), ceil(M / (8·WG_Y))) workgroups of 8 x WG_Y threads. Each thread owns an
//   8x8 block of out: rows m0 + {0, 4·WG_Y} + ty*4 + {0..3}, columns n0 + {0, 32} + tx*4 + {0..3}
//   (four 4x4 quads, so neighbouring threads read neighbouring vec4s). WG_Y is 8 (64x64 tiles), or 1
//   when M <= 8 (decoding, M = 1: 8x64 tiles, so that no thread repeats another's rows).
//   Counts stay below 65535 for N up to ~4M and M up to 65535·8·WG_Y.
// Reference: src/reference/matmul.ts matmulReference (GELU: src/reference/gelu.ts, same clamp).
//
// Why no workgroup memory: lavapipe (Mesa 25.0, the software adapter of the tests and benchmarks) runs
// 8 invocations per SIMD vector but performs every storage load inside a loop one invocation at a
// time (exec-mask test, bounds check, scalar load, insert), even at a uniform address: loads per
// invocation are the cost, about 3/4 of this kernel's time. Staging tiles in workgroup memory only
// adds loads, stores and barriers (coroutine switches there): shared-memory variants (64x64 tiles,
// 16-deep K slices, 4x4 or 8x8 per thread) ran at 2.6-4.7 GFLOP/s on 512^3 against ~10 for the
// barrier-free 8x8 register block (2 cores, same session; TensorFlow.js's tiled kernel: ~4.6). The
// 8x8 block does 64 multiply-adds per 16 loaded floats; 16x8 blocks measured no faster (spills).
// Real GPUs would prefer a shared-memory tile: matmul_tiled.wgsl's 'tiled' variants.
// On SwiftShader (Subzero JIT, 4-wide SIMD) the barrier-free 'direct' 4x4 variants of
// matmul_tiled.wgsl, whose block is one mat4x4, ran 2-6x faster than this kernel at 128^3 and
// 3-5x TensorFlow.js on the bench shapes (docs/benchmarks.md); our reading (not checked in the
// generated code) is that this kernel's arrays indexed in loops (acc[16], af, bf) stay in memory there.

struct Params { M: u32, N: u32, K: u32, lda: u32, ldc: u32, }

override LAYOUT: u32 = 0u;
// A's contiguous dimension (K for nn/nt, M for tn) and lda are multiples of 4: read A as vec4s.
override VEC_A: bool = false;
// B's contiguous dimension (N for nn/tn, K for nt) is a multiple of 4: read B as vec4s.
override VEC_B: bool = false;
override HAS_BIAS: bool = false;
override GELU: bool = false;
override STORE_PREACT: bool = false;
override ACCUMULATE: bool = false;
// Threads along M per workgroup (8, or 1 for M <= 8); the tile is 8·WG_Y rows by 64 columns.
override WG_Y: u32 = 8u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> preact: array<f32>;
@group(0) @binding(3) var<storage, read> a: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> b4: array<vec4<f32>>;

const TILE_N = 64u;          // out columns per workgroup: 8 threads x 8
const GELU_S = 0.7978845608028654; // sqrt(2 / pi)

fn gelu(x: f32) -> f32 {
  let u = clamp(GELU_S * (x + 0.044715 * x * x * x), -10.0, 10.0);
  return 0.5 * x * (1.0 + tanh(u));
}

// Row (or column) index of the thread's r-th output row (column), r in 0..8: two quads of 4, half a
// tile apart. threads: the workgroup's threads along that axis.
fn quadIndex(base: u32, threads: u32, t: u32, r: u32) -> u32 {
  return base + (r / 4u) * threads * 4u + t * 4u + (r % 4u);
}

// A[m, k..k+3] as a vec4 over k, for nn/nt. m is already clamped; k beyond K reads as 0.
fn loadArowK(m: u32, k: u32) -> vec4<f32> {
  if (VEC_A) { return a4[(m * p.lda + k) / 4u]; }
  var v: vec4<f32>;
  for (var i = 0u; i < 4u; i++) {
    v[i] = select(0.0, a[m * p.lda + min(k + i, p.K - 1u)], k + i < p.K);
  }
  return v;
}

// A[k, m..m+3] as a vec4 over m, for tn. k is already clamped; m is the quad's first row.
fn loadAquadM(k: u32, m: u32) -> vec4<f32> {
  if (VEC_A) { return a4[(k * p.lda + min(m, p.M - 4u)) / 4u]; }
  var v: vec4<f32>;
  for (var i = 0u; i < 4u; i++) { v[i] = a[k * p.lda + min(m + i, p.M - 1u)]; }
  return v;
}

// B[k, n..n+3] as a vec4 over n, for nn/tn. k is already clamped; n is the quad's first column.
fn loadBquadN(k: u32, n: u32) -> vec4<f32> {
  if (VEC_B) { return b4[(k * p.N + min(n, p.N - 4u)) / 4u]; }
  var v: vec4<f32>;
  for (var i = 0u; i < 4u; i++) { v[i] = b[k * p.N + min(n + i, p.N - 1u)]; }
  return v;
}

// B[n, k..k+3] as a vec4 over k, for nt. n is already clamped; k beyond K is clamped (A is 0 there).
fn loadBrowK(n: u32, k: u32) -> vec4<f32> {
  if (VEC_B) { return b4[(n * p.K + k) / 4u]; }
  var v: vec4<f32>;
  for (var i = 0u; i < 4u; i++) { v[i] = b[n * p.K + min(k + i, p.K - 1u)]; }
  return v;
}

// A[k + kk, quad q of the thread's rows] as a vec4 over rows, zero past K (the sum must not see
// those rows): the tn layout's piece (kk in 0..4, q in 0..2) of a fragment.
fn aQuadTn(k: u32, kk: u32, q: u32, m0: u32, ty: u32) -> vec4<f32> {
  let live = select(0.0, 1.0, k + kk < p.K);
  return loadAquadM(min(k + kk, p.K - 1u), m0 + q * WG_Y * 4u + ty * 4u) * live;
}

// The epilogue of one output element: out[m, n] = epilogue(acc) (m < M, n < N checked by the caller).
fn storeOut(m: u32, n: u32, acc: f32) {
  let o = m * p.ldc + n;
  var v = acc;
  if (HAS_BIAS) { v += bias[n]; }
  if (GELU) {
    if (STORE_PREACT) { preact[o] = v; }
    v = gelu(v);
  }
  if (ACCUMULATE) { v += out[o]; }
  out[o] = v;
}
