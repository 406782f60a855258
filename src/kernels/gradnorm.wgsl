// Squared L2 norm of a gradient, in two deterministic stages (no float atomics):
//   SQUARE = true : dst[w] = sum of src[i]^2 over the grid-stride slice of workgroup w  (partials)
//   SQUARE = false: one workgroup, dst[0] = sum of src[i]                                (final)
// Bindings: params {n}, dst (P) partials or (1) out, src (n) grads or (P) partials.
// Dispatch: stage 1 P = min(1024, ceil(n / 16384)) workgroups of 256, each thread striding by P * 256
//   (about 64 floats a thread up to 16.7M floats, more beyond); stage 2 one workgroup of 256.
// Entry points: `main`; `main_vec4` for stage 1 when n % 4 == 0 and the view is 16-byte aligned
//   (src seen as n / 4 vec4s, each thread's vec4 squared and summed in the same fixed order).
// Reference: src/reference/reduce.ts sumSquares.

override SQUARE: bool = true;
const WG: u32 = 256u;

struct Params { n: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;

var<workgroup> sh: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
  let stride = nwg.x * WG;
  var acc = 0.0;
  // Consecutive threads read consecutive floats (coalesced); each thread adds ~n / (P * 256) terms.
  for (var i = wid.x * WG + tid; i < p.n; i += stride) {
    let x = src[i];
    acc += select(x, x * x, SQUARE);
  }
  reduce_store(wid.x, tid, acc);
}

// dst[w] = the sum of the workgroup's acc values (tree order: deterministic). Uniform control flow.
fn reduce_store(w: u32, tid: u32, acc: f32) {
  sh[tid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (tid < s) { sh[tid] += sh[tid + s]; }
    workgroupBarrier();
  }
  if (tid == 0u) { dst[w] = sh[0]; }
}

@group(0) @binding(2) var<storage, read> src4: array<vec4f>;

@compute @workgroup_size(WG)
fn main_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) tid: u32) {
  let stride = nwg.x * WG;
  var acc = 0.0;
  for (var i = wid.x * WG + tid; i < p.n / 4u; i += stride) {
    let x = src4[i];
    acc += dot(x, x);
  }
  reduce_store(wid.x, tid, acc);
}
