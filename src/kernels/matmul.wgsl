// Matrix multiply with a fused epilogue: out = epilogue(op(A) · op(B) + bias), row-major.
//   LAYOUT 0 'nn': A (M, K), B (K, N)      out = A · B
//   LAYOUT 1 'nt': A (M, K), B (N, K)      out = A · Bᵀ   (tied LM head, dX = dY · Wᵀ)
//   LAYOUT 2 'tn': A (K, M), B (K, N)      out = Aᵀ · B   (weight gradients dW = Xᵀ · dY)
//   epilogue: v = acc + bias[n]; GELU: preact = v, v = gelu_tanh(v); ACCUMULATE: v += out.
// Bindings: params {M, N, K}; out (M, N); preact (M, N) (read only when GELU && STORE_PREACT; else any
//   scratch buffer); a, b (float views of the inputs); bias (N) (read only when HAS_BIAS); a4, b4: the same
//   buffers as a, b viewed as vec4 (read only when VEC_A / VEC_B; the wrapper binds them in every case).
// Dispatch: (ceil(N / 64), ceil(M / 64)) workgroups of 8x8 threads. Each thread owns an 8x8 block of
//   out: rows m0 + {0, 32} + ty*4 + {0..3}, columns n0 + {0, 32} + tx*4 + {0..3} (four 4x4 quads, so
//   neighbouring threads read neighbouring vec4s). Counts stay below 65535 up to M, N ~ 4M.
// Reference: src/reference/matmul.ts matmulReference (GELU: src/reference/gelu.ts, same clamp).
//
// Why no workgroup memory: on Mesa lavapipe (the software adapter the benchmarks run on) every storage
// or workgroup load inside a loop is scalarised per invocation, so the cost is the number of loads per
// invocation; staging tiles in workgroup memory adds loads, stores and barriers (barriers are coroutine
// switches there) and measured 2-4x slower than this barrier-free version (512^3: ~4 vs ~10 GFLOP/s).
// The 8x8 register block gives 64 multiply-adds per 16 loaded floats. Real GPUs would prefer a shared-
// memory tile; this kernel stays correct there, only not at their peak.

struct Params { M: u32, N: u32, K: u32, }

override LAYOUT: u32 = 0u;
// A's contiguous dimension (K for nn/nt, M for tn) is a multiple of 4: read A as vec4s.
override VEC_A: bool = false;
// B's contiguous dimension (N for nn/tn, K for nt) is a multiple of 4: read B as vec4s.
override VEC_B: bool = false;
override HAS_BIAS: bool = false;
override GELU: bool = false;
override STORE_PREACT: bool = false;
override ACCUMULATE: bool = false;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> preact: array<f32>;
@group(0) @binding(3) var<storage, read> a: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> b4: array<vec4<f32>>;

const TILE = 64u;            // out rows (and columns) per workgroup
const GELU_S = 0.7978845608028654; // sqrt(2 / pi)

fn gelu(x: f32) -> f32 {
  let u = clamp(GELU_S * (x + 0.044715 * x * x * x), -10.0, 10.0);
  return 0.5 * x * (1.0 + tanh(u));
}

// Row (or column) index of the thread's r-th output row, r in 0..8: two quads of 4, 32 apart.
fn quadIndex(base: u32, t: u32, r: u32) -> u32 {
  return base + (r / 4u) * 32u + t * 4u + (r % 4u);
}

// A[m, k..k+3] as a vec4 over k, for nn/nt. m is already clamped; k beyond K reads as 0.
fn loadArowK(m: u32, k: u32) -> vec4<f32> {
  if (VEC_A) { return a4[(m * p.K + k) / 4u]; }
  var v: vec4<f32>;
  for (var i = 0u; i < 4u; i++) {
    v[i] = select(0.0, a[m * p.K + min(k + i, p.K - 1u)], k + i < p.K);
  }
  return v;
}

// A[k, m..m+3] as a vec4 over m, for tn. k is already clamped; m is the quad's first row.
fn loadAquadM(k: u32, m: u32) -> vec4<f32> {
  if (VEC_A) { return a4[(k * p.M + min(m, p.M - 4u)) / 4u]; }
  var v: vec4<f32>;
  for (var i = 0u; i < 4u; i++) { v[i] = a[k * p.M + min(m + i, p.M - 1u)]; }
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

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m0 = wid.y * TILE;
  let n0 = wid.x * TILE;
  // acc[r * 2 + g] = out[row r, columns of quad g] (8 rows x 2 quads of 4 columns).
  var acc: array<vec4<f32>, 16>;
  for (var k = 0u; k < p.K; k += 4u) {
    // Fragments of this 4-deep slice of K: af[r] = A[row r, k..k+3] (vec over k),
    // bf[kk * 2 + g] = B[k + kk, quad g's 4 columns] (vec over columns).
    var af: array<vec4<f32>, 8>;
    var bf: array<vec4<f32>, 8>;
    if (LAYOUT == 2u) {
      for (var kk = 0u; kk < 4u; kk++) {
        let kc = min(k + kk, p.K - 1u);
        let live = select(0.0, 1.0, k + kk < p.K); // zero A's rows past K: the sum must not see them
        for (var q = 0u; q < 2u; q++) {
          let v = loadAquadM(kc, m0 + q * 32u + lid.y * 4u) * live;
          for (var i = 0u; i < 4u; i++) { af[q * 4u + i][kk] = v[i]; }
        }
      }
    } else {
      for (var r = 0u; r < 8u; r++) {
        af[r] = loadArowK(min(quadIndex(m0, lid.y, r), p.M - 1u), k);
      }
    }
    if (LAYOUT == 1u) {
      for (var c = 0u; c < 8u; c++) {
        let v = loadBrowK(min(quadIndex(n0, lid.x, c), p.N - 1u), k);
        for (var kk = 0u; kk < 4u; kk++) { bf[kk * 2u + c / 4u][c % 4u] = v[kk]; }
      }
    } else {
      for (var kk = 0u; kk < 4u; kk++) {
        let kc = min(k + kk, p.K - 1u);
        for (var g = 0u; g < 2u; g++) {
          bf[kk * 2u + g] = loadBquadN(kc, n0 + g * 32u + lid.x * 4u);
        }
      }
    }
    for (var kk = 0u; kk < 4u; kk++) {
      for (var r = 0u; r < 8u; r++) {
        for (var g = 0u; g < 2u; g++) {
          acc[r * 2u + g] += af[r][kk] * bf[kk * 2u + g];
        }
      }
    }
  }

  for (var r = 0u; r < 8u; r++) {
    let m = quadIndex(m0, lid.y, r);
    if (m >= p.M) { continue; }
    for (var c = 0u; c < 8u; c++) {
      let n = quadIndex(n0, lid.x, c);
      if (n >= p.N) { continue; }
      let o = m * p.N + n;
      var v = acc[r * 2u + c / 4u][c % 4u];
      if (HAS_BIAS) { v += bias[n]; }
      if (GELU) {
        if (STORE_PREACT) { preact[o] = v; }
        v = gelu(v);
      }
      if (ACCUMULATE) { v += out[o]; }
      out[o] = v;
    }
  }
}
