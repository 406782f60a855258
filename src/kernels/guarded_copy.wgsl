// Guarded copy: dst[i] = src[i] for i < n, but only when every flags[0..nflags) is finite.
// Used to keep the last good weights during training without a CPU round trip: each step copies
// the weights it started from into the backup only if the loss and gradient norm they produced are finite.
// Bindings: params {n, nflags}, dst (n), src (n), flags (nflags).
// Dispatch: ceil(n / 256) workgroups of 256, folded 2-D (grid1d) when over 65535.
// Reference: src/reference/elementwise.ts guardedCopy.

struct Params { n: u32, nflags: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read> flags: array<f32>;

// WGSL has no isNan/isInf; compilers may fold `x != x`, so test the exponent bits instead.
fn is_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  for (var f = 0u; f < p.nflags; f++) {
    if (!is_finite(flags[f])) { return; }
  }
  dst[i] = src[i];
}
