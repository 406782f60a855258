// embed_decode.wgsl with 16-bit tables: out (C) = wte[token[0]] + wpe[pos], both tables in the
// packed layout of src/kernels/packed16.ts (rows of ld u32 words, two halves each, low half first).
// Bindings: params {pos, C, lo, hi, ld}, out (C) f32, token (1, u32), wte (V, ld) u32, wpe (maxT, ld) u32.
// Vocabulary range: as embed_decode.wgsl (wte holds rows [lo, hi); outside, out is left alone).
// Dispatch: ceil(C / 64) workgroups of 64. Only unpack2x16float: runs on every adapter.
// Reference: src/reference/elementwise.ts embedDecode on f16-rounded tables.

struct Params { pos: u32, C: u32, lo: u32, hi: u32, ld: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> token: array<u32>;
@group(0) @binding(3) var<storage, read> wte: array<u32>;
@group(0) @binding(4) var<storage, read> wpe: array<u32>;

// Half c of a packed row starting at word `row`.
fn half(x: f32, y: f32, c: u32) -> f32 { return select(y, x, (c & 1u) == 0u); }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let tok = token[0];
  if (c >= p.C || tok < p.lo || tok >= p.hi) { return; }
  let t = unpack2x16float(wte[(tok - p.lo) * p.ld + c / 2u]);
  let q = unpack2x16float(wpe[p.pos * p.ld + c / 2u]);
  out[c] = half(t.x, t.y, c) + half(q.x, q.y, c);
}
