// Guarded copy: dst[i] = src[i] for i < n, but only when every flags[0..nflags) is finite.
// Used to keep the last good weights during training without a CPU round trip: each step copies
// the weights it started from into the backup only if the loss and gradient norm they produced are finite.
// Bindings: params {n, nflags}, dst (n), src (n), flags (nflags).
// Dispatch: min(4096, ceil(n / 256)) workgroups of 256 (n / 4 for main_vec4), each thread striding by
//   the grid; the flags are read once per thread, not once per element.
// Entry points: `main` for any n; `main_vec4` when n % 4 == 0 and both views are 16-byte aligned.
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

fn all_finite() -> bool {
  for (var f = 0u; f < p.nflags; f++) {
    if (!is_finite(flags[f])) { return false; }
  }
  return true;
}

const WG = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  if (!all_finite()) { return; }
  for (var i = gid.x; i < p.n; i += nwg.x * WG) { dst[i] = src[i]; }
}

@group(0) @binding(1) var<storage, read_write> dst4: array<vec4f>;
@group(0) @binding(2) var<storage, read> src4: array<vec4f>;

@compute @workgroup_size(WG)
fn main_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  if (!all_finite()) { return; }
  for (var i = gid.x; i < p.n / 4u; i += nwg.x * WG) { dst4[i] = src4[i]; }
}
