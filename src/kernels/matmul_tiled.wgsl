// Entry point of the tiled matmul module: matmul.wgsl + this file. Same math, bindings, layouts,
// epilogues and reference as matmul.wgsl's header; another way to cut the work.
//
// Dispatch: (ceil(N / (4·WG_X)), ceil(M / (4·WG_Y))) workgroups of WG_X x WG_Y threads. Each thread
// owns a 4x4 block of out: rows m0 + ty·4 + {0..3}, columns n0 + tx·4 + {0..3}, kept as one
// mat4x4 (column r = out row r over the 4 columns) so that the whole block lives in named vector
// registers: no array indexed in a loop, which SwiftShader (no loop unrolling) keeps in memory.
// Per 4-deep slice of K the thread forms X (mat4x4, column r = A[row r, k..k+3]) and
// Bm (column kk = B[k + kk, its 4 columns]), and acc += Bm · X.
//
// Overrides (tile sizes are overrides, picked per adapter by src/gpu/tuner.ts):
//   WG_X, WG_Y  threads along N and M (tile 4·WG_Y x 4·WG_X); WG_Y is matmul.wgsl's override.
//   TILE_K      depth of the K slice staged per step, a multiple of 4.
//   SHARED      true: the workgroup stages (4·WG_Y x TILE_K) of A and (TILE_K x 4·WG_X) of B in
//               workgroup memory between two barriers, and every thread reads its slices there
//               (what GPUs want: each global value is loaded once per workgroup, not once per
//               thread row/column). false: no workgroup memory and no barrier; every thread loads
//               its own A rows and B columns from storage (barriers are coroutine switches on
//               CPU adapters).
// Measured (2 cores, busy machine, GFLOP/s on the bench shapes, docs/benchmarks.md): lavapipe
//   direct 4.9-5.5, tiled 1.9-2.8 (block_sg 9.6-12.6 stays its choice); SwiftShader: direct16x4 /
//   direct8x8 chosen by the tuner, 3.1-5.2x TensorFlow.js; tiled 2-4x slower than direct there.
//   No GPU has measured the tiled variants yet (scripts/bench-device.sh does).
// Workgroup memory layout (vec4s): As (4·WG_Y rows x TILE_K/4) as [m][k/4] for nn/nt, and as
//   [k][m/4] (TILE_K x WG_Y) for tn; Bs as [k][n/4] (TILE_K x WG_X) for nn/tn, [n][k/4] for nt:
//   always the source's contiguous dimension in the vec4, so that staging copies vec4s as they come.

override WG_X: u32 = 16u;
override TILE_K: u32 = 16u;
override SHARED: bool = true;

var<workgroup> As: array<vec4<f32>, WG_Y * TILE_K>;
var<workgroup> Bs: array<vec4<f32>, WG_X * TILE_K>;

// A[m, k..k+3] over k (nn, nt), zero from K on; m clamped here.
fn aRow(m: u32, k: u32) -> vec4<f32> {
  if (k >= p.K) { return vec4<f32>(); }
  return loadArowK(min(m, p.M - 1u), k);
}

// A[k, m..m+3] over m (tn), zero from K on.
fn aCol(k: u32, m: u32) -> vec4<f32> {
  if (k >= p.K) { return vec4<f32>(); }
  return loadAquadM(k, m);
}

// B[k, n..n+3] over n (nn, tn); k is clamped (A is zero past K).
fn bRow(k: u32, n: u32) -> vec4<f32> {
  return loadBquadN(min(k, p.K - 1u), n);
}

// B[n, k..k+3] over k (nt); n and k are clamped.
fn bCol(n: u32, k: u32) -> vec4<f32> {
  return loadBrowK(min(n, p.N - 1u), min(k, p.K - 1u) & ~select(0u, 3u, VEC_B));
}

// Stages the workgroup's A and B slices for K from k0 (one vec4 per loop step, threads striding).
fn stage(k0: u32, m0: u32, n0: u32, li: u32) {
  let threads = WG_X * WG_Y;
  let kq = TILE_K / 4u;
  for (var i = li; i < WG_Y * TILE_K; i += threads) {
    if (LAYOUT == 2u) {
      As[i] = aCol(k0 + i / WG_Y, m0 + (i % WG_Y) * 4u);
    } else {
      As[i] = aRow(m0 + i / kq, k0 + (i % kq) * 4u);
    }
  }
  for (var i = li; i < WG_X * TILE_K; i += threads) {
    if (LAYOUT == 1u) {
      Bs[i] = bCol(n0 + i / kq, k0 + (i % kq) * 4u);
    } else {
      Bs[i] = bRow(k0 + i / WG_X, n0 + (i % WG_X) * 4u);
    }
  }
}

// X for the 4-deep slice at kk (offset in the staged slice): column r = A[row ty·4 + r, kk..kk+3].
fn xShared(kk: u32, ty: u32) -> mat4x4<f32> {
  if (LAYOUT == 2u) {
    let s = kk * WG_Y + ty;
    return transpose(mat4x4<f32>(As[s], As[s + WG_Y], As[s + 2u * WG_Y], As[s + 3u * WG_Y]));
  }
  let s = ty * 4u * (TILE_K / 4u) + kk / 4u;
  let q = TILE_K / 4u;
  return mat4x4<f32>(As[s], As[s + q], As[s + 2u * q], As[s + 3u * q]);
}

// Bm for the 4-deep slice at kk: column j = B[kk + j, columns tx·4 .. tx·4 + 3].
fn bShared(kk: u32, tx: u32) -> mat4x4<f32> {
  if (LAYOUT == 1u) {
    let q = TILE_K / 4u;
    let s = tx * 4u * q + kk / 4u;
    return transpose(mat4x4<f32>(Bs[s], Bs[s + q], Bs[s + 2u * q], Bs[s + 3u * q]));
  }
  let s = kk * WG_X + tx;
  return mat4x4<f32>(Bs[s], Bs[s + WG_X], Bs[s + 2u * WG_X], Bs[s + 3u * WG_X]);
}

// The same two matrices read straight from storage (SHARED = false); m, n: the block's first row, column.
fn xDirect(k: u32, m: u32) -> mat4x4<f32> {
  if (LAYOUT == 2u) {
    return transpose(mat4x4<f32>(aCol(k, m), aCol(k + 1u, m), aCol(k + 2u, m), aCol(k + 3u, m)));
  }
  return mat4x4<f32>(aRow(m, k), aRow(m + 1u, k), aRow(m + 2u, k), aRow(m + 3u, k));
}

fn bDirect(k: u32, n: u32) -> mat4x4<f32> {
  if (LAYOUT == 1u) {
    return transpose(mat4x4<f32>(bCol(n, k), bCol(n + 1u, k), bCol(n + 2u, k), bCol(n + 3u, k)));
  }
  return mat4x4<f32>(bRow(k, n), bRow(k + 1u, n), bRow(k + 2u, n), bRow(k + 3u, n));
}

// Row m of the block (columns n..n+3) through the epilogue.
fn storeRow(m: u32, n: u32, v: vec4<f32>) {
  if (m >= p.M) { return; }
  for (var c = 0u; c < 4u; c++) {
    if (n + c < p.N) { storeOut(m, n + c, v[c]); }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let m0 = wid.y * 4u * WG_Y;
  let n0 = wid.x * 4u * WG_X;
  let m = m0 + lid.y * 4u;
  let n = n0 + lid.x * 4u;
  var acc = mat4x4<f32>();
  if (SHARED) {
    for (var k0 = 0u; k0 < p.K; k0 += TILE_K) {
      workgroupBarrier(); // the previous slice has been read by everyone
      stage(k0, m0, n0, li);
      workgroupBarrier();
      for (var kk = 0u; kk < TILE_K; kk += 4u) {
        acc += bShared(kk, lid.x) * xShared(kk, lid.y);
      }
    }
  } else {
    for (var k = 0u; k < p.K; k += 4u) {
      acc += bDirect(k, n) * xDirect(k, m);
    }
  }
  storeRow(m, n, acc[0]);
  storeRow(m + 1u, n, acc[1]);
  storeRow(m + 2u, n, acc[2]);
  storeRow(m + 3u, n, acc[3]);
}
