// The keys and values of T rows of a c_attn output stored into a KV cache (the decoder's batched
// prefill, src/model/prefill.ts): the rows the decode kernel would have written one at a time.
//   kCache[j*C + i] = qkv[j*3C + C + i],  vCache[j*C + i] = qkv[j*3C + 2C + i]   for j < T, i < C
// Bindings: params {n = T*C, C}; kCache (maxT, C) and vCache (maxT, C), maxT >= T; qkv (T, 3C) = [q | k | v].
// Dispatch: ceil(T*C / 256) workgroups of 256, folded into a 2-D grid (x, y) when over 65535; one
//           thread per (j, i).
// Reference: src/reference/elementwise.ts kvStore; attention_decode.wgsl step 1 (one row).

struct Params { n: u32, C: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> kCache: array<f32>;
@group(0) @binding(2) var<storage, read_write> vCache: array<f32>;
@group(0) @binding(3) var<storage, read> qkv: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * 256u;
  if (idx >= p.n) { return; }
  let j = idx / p.C;
  let i = idx % p.C;
  kCache[idx] = qkv[j * 3u * p.C + p.C + i];
  vCache[idx] = qkv[j * 3u * p.C + 2u * p.C + i];
}
