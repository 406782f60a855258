// Residual add: out[i] = a[i] + b[i], for i < n.
// Bindings: params {n}, out (n), a (n), b (n). `out` may alias neither input.
// Dispatch: ceil(n / 256) workgroups of 256, folded into a 2-D grid (x, y) when over 65535.
// Reference: src/reference/elementwise.ts residualForward (llm.c residual_forward).

struct Params { n: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  out[i] = a[i] + b[i];
}
