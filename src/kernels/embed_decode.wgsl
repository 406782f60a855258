// Token + position embedding of ONE token at position `pos` (the decode step of generation):
// out (C) = wte[token[0]] + wpe[pos].
// Bindings: params {pos, C, lo, hi}, out (C), token (1, u32), wte (V,C), wpe (maxT,C).
// Vocabulary range: wte holds rows [lo, hi) (one chunk of a split wte, the view starting at row lo);
//   when the token is outside, out is left alone (another chunk's dispatch writes it).
// Dispatch: ceil(C / 64) workgroups of 64. `pos` is a uniform so one bind group serves every step.
// Reference: src/reference/elementwise.ts embedDecode (the row `pos` of nanoGPT's tok_emb + pos_emb).

struct Params { pos: u32, C: u32, lo: u32, hi: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> token: array<u32>;
@group(0) @binding(3) var<storage, read> wte: array<f32>;
@group(0) @binding(4) var<storage, read> wpe: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let tok = token[0];
  if (c >= p.C || tok < p.lo || tok >= p.hi) { return; }
  out[c] = wte[(tok - p.lo) * p.C + c] + wpe[p.pos * p.C + c];
}
