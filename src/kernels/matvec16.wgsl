// Decoding's matrix products with 16-bit weights: out = epilogue(a · op(W) + bias), a few rows of
// activations (M, usually 1: one token) against a weight matrix stored in half precision,
// accumulated in f32.
//   LAYOUT 0 'nn': W (K, N) packed along N: out[m, n] = sum_k a[m, k] · W[k, n]   (c_attn, c_proj, c_fc)
//   LAYOUT 1 'nt': W (N, K) packed along K: out[m, n] = sum_k a[m, k] · W[n, k]   (the tied head, wte)
//   epilogue: v = acc + bias[n]; GELU: v = gelu_tanh(v) (src/reference/gelu.ts, same clamp), and
//   with HAS_PREACT also preact[m, n] = acc + bias[n], GELU's input (the "How it works" trace).
// W's layout (src/kernels/packed16.ts): rows of 8 halves per 16 bytes, padded with zeros, row r at
//   vec4<u32> r·ldw. `weights8(i)` (the storage form's file) widens the i-th group of 8 to f32.
// Bindings: params {M, N, K, ldw, lda, ldc}; out (M, ldc) f32; a (M, lda) f32; a4 the same as
//   vec4s (read only when VEC_A: K and lda multiples of 4); w the 16-bit weights; bias (N) (read only
//   when HAS_BIAS); preact (M, ldc) f32 (written only when HAS_PREACT). Unused bindings are bound to
//   a placeholder by the wrapper.
// Dispatch: 64 threads per workgroup, (ceil(N / 512), ceil(M / ROWS)) workgroups for nn (a thread
//   owns 8 consecutive columns of ROWS rows: one 16-byte weight load per k, used ROWS times),
//   (ceil(N / 64), M) for nt (a thread owns one output: a dot product over K, 8 weights per load).
// ROWS (nn only, 1 to MAX_ROWS): 1 for a decode step (M = 1: each weight read once, used once);
//   more for the 16-bit prefill (M = T rows), which then reads W ceil(M / ROWS) times, not M.
// Modules: this file + matvec16_packed.wgsl (u32 pairs widened by unpack2x16float, core WGSL, every
//   adapter) or `enable f16;` + matvec16_f16.wgsl (shader-f16). Same buffer, same layout for both.
// Reference: src/reference/matmul.ts matmulReference on weights rounded to f16 (roundArrayF16).
//
// Why a matrix-vector kernel and not the matmul block: with M = 1 every weight is read exactly once
// and used once; the cost is the weight bytes, which halve here, and the loads per thread (one
// vec4<u32> brings 8 weights against the f32 kernel's 4).

struct Params { M: u32, N: u32, K: u32, ldw: u32, lda: u32, ldc: u32, }

override LAYOUT: u32 = 0u;
override VEC_A: bool = false;
override HAS_BIAS: bool = false;
override GELU: bool = false;
override HAS_PREACT: bool = false;
override ROWS: u32 = 1u;
const MAX_ROWS = 16u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> preact: array<f32>;

const GELU_S = 0.7978845608028654; // sqrt(2 / pi)

fn gelu(x: f32) -> f32 {
  let u = clamp(GELU_S * (x + 0.044715 * x * x * x), -10.0, 10.0);
  return 0.5 * x * (1.0 + tanh(u));
}

// a[m, k..k+3], zero past K (the padding weights are zero, but a's memory there is not ours).
fn loadA4(m: u32, k: u32) -> vec4<f32> {
  if (VEC_A) { return select(vec4<f32>(0.0), a4[(m * p.lda + k) / 4u], k < p.K); }
  var v: vec4<f32>;
  for (var i = 0u; i < 4u; i++) { v[i] = select(0.0, a[m * p.lda + min(k + i, p.K - 1u)], k + i < p.K); }
  return v;
}

fn storeOut(m: u32, n: u32, acc: f32) {
  var v = acc;
  if (HAS_BIAS) { v += bias[n]; }
  if (HAS_PREACT) { preact[m * p.ldc + n] = v; }
  if (GELU) { v = gelu(v); }
  out[m * p.ldc + n] = v;
}

// nn: the thread's 8 columns j·8 .. j·8+7, summed over k four rows of W at a time.
fn mainNN(j: u32, m: u32) {
  if (j * 8u >= p.N) { return; }
  var lo = vec4<f32>(0.0);
  var hi = vec4<f32>(0.0);
  for (var k = 0u; k < p.K; k += 4u) {
    let av = loadA4(m, k);
    for (var kk = 0u; kk < 4u; kk++) {
      // Rows past K are clamped to the last row: their a is zero.
      let w = weights8(min(k + kk, p.K - 1u) * p.ldw + j);
      lo += av[kk] * w[0];
      hi += av[kk] * w[1];
    }
  }
  for (var i = 0u; i < 8u; i++) {
    let n = j * 8u + i;
    if (n < p.N) { storeOut(m, n, select(hi[i % 4u], lo[i % 4u], i < 4u)); }
  }
}

// nn with a row tile: rows m0 .. m0+ROWS-1 (those < M), the same sums as mainNN's for each row, each
// weight group loaded once for all of them. Rows past M read row M-1's a and are not stored.
fn mainNNRows(j: u32, m0: u32) {
  if (j * 8u >= p.N) { return; }
  var lo: array<vec4<f32>, MAX_ROWS>;
  var hi: array<vec4<f32>, MAX_ROWS>;
  var av: array<vec4<f32>, MAX_ROWS>;
  for (var k = 0u; k < p.K; k += 4u) {
    for (var r = 0u; r < ROWS; r++) { av[r] = loadA4(min(m0 + r, p.M - 1u), k); }
    for (var kk = 0u; kk < 4u; kk++) {
      let w = weights8(min(k + kk, p.K - 1u) * p.ldw + j);
      for (var r = 0u; r < ROWS; r++) {
        lo[r] += av[r][kk] * w[0];
        hi[r] += av[r][kk] * w[1];
      }
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    let m = m0 + r;
    if (m >= p.M) { return; }
    for (var i = 0u; i < 8u; i++) {
      let n = j * 8u + i;
      if (n < p.N) { storeOut(m, n, select(hi[r][i % 4u], lo[r][i % 4u], i < 4u)); }
    }
  }
}

// nt: output n = a[m, :] · W[n, :], 8 weights (one load) and two vec4s of a per step.
fn mainNT(n: u32, m: u32) {
  if (n >= p.N) { return; }
  var acc = vec4<f32>(0.0);
  for (var g = 0u; g * 8u < p.K; g++) {
    let w = weights8(n * p.ldw + g);
    acc += loadA4(m, g * 8u) * w[0] + loadA4(m, g * 8u + 4u) * w[1];
  }
  storeOut(m, n, acc.x + acc.y + acc.z + acc.w);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (LAYOUT == 1u) { mainNT(gid.x, wid.y); } else if (ROWS == 1u) { mainNN(gid.x, wid.y); } else { mainNNRows(gid.x, wid.y * ROWS); }
}
