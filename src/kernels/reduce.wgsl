// Deterministic reductions (no float atomics: each output is owned by one workgroup, summed in a fixed order).
//   column_sum: out[j] (+)= sum over i < M of inp[i * N + j]        (bias gradients; ACCUMULATE adds to out)
//   sum_reduce: out[0] = scale * sum over i < N of inp[i]           (e.g. mean loss with scale = 1/N)
// Bindings: params {M, N, scale}, out (N) or (1), inp (M, N) or (N).
// Dispatch: column_sum: workgroups of 32 columns x 8 row slices, one per 32-column block, capped at 65535
//   (a workgroup loops over blocks beyond that); sum_reduce: exactly one workgroup of 256.
// Reference: src/reference/reduce.ts columnSum, scaledSum.

override ACCUMULATE: bool = false;
const COLS: u32 = 32u; // columns per block: 32 consecutive floats per row slice = coalesced loads
const SLICES: u32 = 8u; // row slices per block: thread (x, y) sums rows y, y + 8, y + 16, ...
const WG: u32 = 256u; // = COLS * SLICES

struct Params { M: u32, N: u32, scale: f32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;

var<workgroup> sh: array<f32, WG>;

@compute @workgroup_size(COLS, SLICES)
fn column_sum(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_id) lid: vec3<u32>) {
  let nblocks = (p.N + COLS - 1u) / COLS;
  let k = lid.y * COLS + lid.x;
  // The loop bounds are the same for the whole workgroup, so the barriers inside are uniform.
  for (var blk = wid.x; blk < nblocks; blk += nwg.x) {
    let col = blk * COLS + lid.x;
    var acc = 0.0;
    if (col < p.N) {
      for (var r = lid.y; r < p.M; r += SLICES) { acc += inp[r * p.N + col]; }
    }
    sh[k] = acc;
    workgroupBarrier();
    for (var s = SLICES / 2u; s > 0u; s >>= 1u) {
      if (lid.y < s) { sh[k] += sh[k + s * COLS]; }
      workgroupBarrier();
    }
    if (lid.y == 0u && col < p.N) {
      if (ACCUMULATE) { out[col] += sh[lid.x]; } else { out[col] = sh[lid.x]; }
    }
    workgroupBarrier(); // sh is reused by the next block
  }
}

@compute @workgroup_size(WG)
fn sum_reduce(@builtin(local_invocation_index) tid: u32) {
  var acc = 0.0;
  for (var i = tid; i < p.N; i += WG) { acc += inp[i]; }
  sh[tid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) { sh[tid] += sh[tid + s]; }
    workgroupBarrier();
  }
  if (tid == 0u) { out[0] = p.scale * sh[0]; }
}
