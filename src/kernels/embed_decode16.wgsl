// embed_decode.wgsl with 16-bit tables, for T consecutive positions from pos:
// out[t, :] (C) = wte[token[t]] + wpe[pos + t], both tables in the packed layout of
// src/kernels/packed16.ts (rows of ld u32 words, two halves each, low half first). A decode step is
// T = 1 (its position set before each submit); the 16-bit prefill embeds T rows from pos = 0.
// Bindings: params {pos, C, lo, hi, ld}, out (T, C) f32, token (T, u32), wte (V, ld) u32, wpe (maxT, ld) u32.
// Vocabulary range: as embed_decode.wgsl (wte holds rows [lo, hi); a row whose token is outside is left alone).
// Dispatch: (ceil(C / 64), T) workgroups of 64: row t is workgroup row t. Only unpack2x16float: runs on every adapter.
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
  let row = gid.y;
  let tok = token[row];
  if (c >= p.C || tok < p.lo || tok >= p.hi) { return; }
  let t = unpack2x16float(wte[(tok - p.lo) * p.ld + c / 2u]);
  let q = unpack2x16float(wpe[(p.pos + row) * p.ld + c / 2u]);
  out[row * p.C + c] = half(t.x, t.y, c) + half(q.x, q.y, c);
}
