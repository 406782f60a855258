// GELU backward, tanh form (GPT-2 gelu_new), elementwise over n floats:
//   gelu(x) = 0.5·x·(1 + tanh(u)),  u = clamp(√(2/π)·(x + 0.044715·x³), -10, 10).
// The clamp keeps WGSL's tanh away from arguments where some drivers return NaN (exp overflow);
// at |u| >= 10, tanh(u) is ±1 in f32 anyway. Where u is clamped its derivative is 0.
// The forward is fused into the MLP's matmul epilogue (matmul.wgsl, GELU override), which keeps
// the pre-activation for this kernel to read.
// Entry point backward: params {n}, dinp (n), inp (n), dout (n)   dinp = gelu'(inp)·dout, overwritten
// Dispatch: each thread owns 4 consecutive elements (vector math, one bounds check per 4);
//   ceil(n / 1024) workgroups of 256, folded into a 2-D grid (x, y) past 65535.
// Reference: src/reference/gelu.ts (geluBackward).

struct Params { n: u32, }

@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read_write> bw_dinp: array<f32>;
@group(0) @binding(2) var<storage, read> bw_inp: array<f32>;
@group(0) @binding(3) var<storage, read> bw_dout: array<f32>;

const S: f32 = 0.7978845608028654; // √(2/π)
const K: f32 = 0.044715;
const CLAMP: f32 = 10.0; // GELU_CLAMP in src/reference/gelu.ts

fn gelu_grad4(x: vec4<f32>) -> vec4<f32> {
  let u_raw = S * (x + K * x * x * x);
  let t = tanh(clamp(u_raw, vec4(-CLAMP), vec4(CLAMP)));
  // select, not multiply by a 0/1 mask: x² may be inf at huge |x| and inf·0 is NaN.
  let du = select(S * (1.0 + 3.0 * K * x * x), vec4(0.0), abs(u_raw) > vec4(CLAMP));
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du;
}

// First element of this thread's 4.
fn first(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return 4u * (gid.x + gid.y * nwg.x * 256u);
}

@compute @workgroup_size(256)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = first(gid, nwg);
  if (i + 3u < p.n) {
    let x = vec4(bw_inp[i], bw_inp[i + 1u], bw_inp[i + 2u], bw_inp[i + 3u]);
    let d = vec4(bw_dout[i], bw_dout[i + 1u], bw_dout[i + 2u], bw_dout[i + 3u]);
    let g = gelu_grad4(x) * d;
    bw_dinp[i] = g.x;
    bw_dinp[i + 1u] = g.y;
    bw_dinp[i + 2u] = g.z;
    bw_dinp[i + 3u] = g.w;
  } else {
    for (var j = i; j < p.n; j++) { bw_dinp[j] = gelu_grad4(vec4(bw_inp[j])).x * bw_dout[j]; }
  }
}
