// Inverted dropout over n floats (nanoGPT's nn.Dropout in training), optionally fused with the
// residual add that follows it in a GPT block:
//   forward:          out[i] = keep(i) · inp[i] / (1 − p)
//   forward_residual: out[i] = res[i] + keep(i) · inp[i] / (1 − p)
//   keep(i) = dropout_bits(dropout_key(seed[0], stream), i) >= threshold   (dropout_rng.wgsl)
// The backward pass of `forward` is `forward` itself applied to dout with the same seed and stream
// (the mask is regenerated, never stored).
// Bindings: params {n, stream, threshold = floor(p·2^32), scale = 1/(1−p)}; out (n), inp (n),
//   seed (1) u32, the per-step seed the trainer writes; res (n) for forward_residual only.
//   `out` may alias no input.
// Dispatch: each thread owns 4 consecutive elements; ceil(n / 1024) workgroups of 256, folded into a
//   2-D grid (x, y) past 65535.
// Reference: src/reference/dropout.ts dropoutForward / dropoutBackward.

struct Params { n: u32, stream: u32, threshold: u32, scale: f32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;
@group(0) @binding(3) var<storage, read> seed: array<u32>;
@group(0) @binding(4) var<storage, read> res: array<f32>;

// First element of this thread's 4.
fn first(gid: vec3u, nwg: vec3u) -> u32 {
  return 4u * (gid.x + gid.y * nwg.x * 256u);
}

// inp[i] / (1 − p) where kept, 0 where dropped.
fn dropped(key: u32, i: u32) -> f32 {
  return select(0.0, inp[i] * p.scale, dropout_bits(key, i) >= p.threshold);
}

@compute @workgroup_size(256)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let key = dropout_key(seed[0], p.stream);
  let i = first(gid, nwg);
  for (var j = i; j < min(i + 4u, p.n); j++) { out[j] = dropped(key, j); }
}

@compute @workgroup_size(256)
fn forward_residual(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let key = dropout_key(seed[0], p.stream);
  let i = first(gid, nwg);
  for (var j = i; j < min(i + 4u, p.n); j++) { out[j] = res[j] + dropped(key, j); }
}
