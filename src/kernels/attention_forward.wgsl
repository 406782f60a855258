// Causal self-attention forward, fused (FlashAttention-style online softmax; T×T never stored).
//   out[b,t,h*HS+i] = Σ_{j≤t} softmax_j(q_t·k_j / √HS) · v_j[i]
//   lse[b,h,t]      = log Σ_{j≤t} exp(q_t·k_j / √HS)          (kept for the backward pass)
// Bindings: params {T, C}; out (B, T, C); lse (B, NH, T); qkv (B, T, 3C), rows [q | k | v],
//   head h at columns h*HS..(h+1)*HS of each part.
// Entry points: `main` for any HS (scalar loads), `main_vec4` when HS % 4 == 0 (same algorithm on
//   vec4 loads and registers: about 2x faster on lavapipe, fewer load instructions everywhere).
//   `main_vec4` reads binding 3 as array<vec4f>: with HS % 4 == 0 every row offset is a multiple of 4.
// Dispatch: (ceil(T / BR), NH, B) workgroups of BR threads; one thread per query row t.
//   Keys are walked in tiles of BC with one rescale of the accumulator per tile. The key index is
//   the same for every thread of the workgroup (threads past their diagonal are masked, not
//   diverged), so k/v reads are uniform: broadcasts on a GPU, scalar loads on llvmpipe.
// Reference: src/reference/attention.ts attentionForward.

struct Params { T: u32, C: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> lse: array<f32>;
@group(0) @binding(3) var<storage, read> qkv: array<f32>;
// main_vec4: the same buffer, 4 floats per element
@group(0) @binding(3) var<storage, read> qkv4: array<vec4f>;

override HS: u32 = 64u;   // head size, 1..MAX_HS
override BR: u32 = 64u;   // query rows (threads) per workgroup
const MAX_HS = 64u;       // private arrays need a constant size
const MAX_HS4 = 16u;
const BC = 16u;           // keys per tile
const NEG_BIG = -3.0e38;  // "minus infinity" that stays finite (exp of it minus anything is 0)

@compute @workgroup_size(BR)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) r: u32) {
  let T = p.T;
  let C = p.C;
  let C3 = 3u * C;
  let h = wg.y;
  let b = wg.z;
  let row0 = wg.x * BR;
  let t = row0 + r;
  if (t >= T) { return; } // no barriers below: idle threads may leave
  let last = min(row0 + BR, T) - 1u; // the workgroup's last query row bounds its (uniform) key walk
  let base = b * T * C3 + h * HS;    // qkv[b, 0, h*HS]

  // q_t, pre-scaled by 1/√HS so the dot products are the final scores.
  let scale = inverseSqrt(f32(HS));
  var q: array<f32, MAX_HS>;
  var acc: array<f32, MAX_HS>; // Σ_j exp(s_j − m)·v_j
  for (var i = 0u; i < HS; i++) {
    q[i] = qkv[base + t * C3 + i] * scale;
    acc[i] = 0.0;
  }
  var m = NEG_BIG; // running max of the scores
  var l = 0.0;     // running Σ_j exp(s_j − m)
  var s: array<f32, BC>;

  for (var k0 = 0u; k0 <= last; k0 += BC) {
    // Tiles wholly in t's future are skipped with an `if`, not `continue`/`break`, so that the
    // loop itself stays uniform across the workgroup.
    if (k0 <= t) {
      let n = min(BC, t - k0 + 1u); // keys k0..k0+n-1 of this tile are visible to t
      var mt = NEG_BIG;
      for (var j = 0u; j < BC; j++) {
        if (j < n) {
          let k = base + (k0 + j) * C3 + C;
          var d = 0.0;
          for (var i = 0u; i < HS; i++) { d += q[i] * qkv[k + i]; }
          s[j] = d;
          mt = max(mt, d);
        }
      }
      // One rescale per tile: old terms were relative to m, new ones are relative to mNew.
      let mNew = max(m, mt);
      let corr = exp(m - mNew);
      l *= corr;
      for (var i = 0u; i < HS; i++) { acc[i] *= corr; }
      for (var j = 0u; j < BC; j++) {
        if (j < n) {
          let e = exp(s[j] - mNew);
          l += e;
          let v = base + (k0 + j) * C3 + 2u * C;
          for (var i = 0u; i < HS; i++) { acc[i] += e * qkv[v + i]; }
        }
      }
      m = mNew;
    }
  }

  let o = (b * T + t) * C + h * HS;
  let inv = 1.0 / l; // l ≥ 1: the max term contributes exp(0)
  for (var i = 0u; i < HS; i++) { out[o + i] = acc[i] * inv; }
  lse[(b * nwg.y + h) * T + t] = m + log(l);
}

// The same walk as `main`, four channels at a time. Offsets below are in vec4 units (C4 = C/4, HS4 = HS/4).
@compute @workgroup_size(BR)
fn main_vec4(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) r: u32) {
  let T = p.T;
  let C4 = p.C / 4u;
  let C34 = 3u * C4;
  let HS4 = HS / 4u;
  let h = wg.y;
  let b = wg.z;
  let row0 = wg.x * BR;
  let t = row0 + r;
  if (t >= T) { return; }
  let last = min(row0 + BR, T) - 1u;
  let base = b * T * C34 + h * HS4;

  let scale = inverseSqrt(f32(HS));
  var q: array<vec4f, MAX_HS4>;
  var acc: array<vec4f, MAX_HS4>;
  for (var i = 0u; i < HS4; i++) {
    q[i] = qkv4[base + t * C34 + i] * scale;
    acc[i] = vec4f(0.0);
  }
  var m = NEG_BIG;
  var l = 0.0;
  var s: array<f32, BC>;

  for (var k0 = 0u; k0 <= last; k0 += BC) {
    if (k0 <= t) {
      let n = min(BC, t - k0 + 1u);
      var mt = NEG_BIG;
      for (var j = 0u; j < BC; j++) {
        if (j < n) {
          let k = base + (k0 + j) * C34 + C4;
          var d = 0.0;
          for (var i = 0u; i < HS4; i++) { d += dot(q[i], qkv4[k + i]); }
          s[j] = d;
          mt = max(mt, d);
        }
      }
      let mNew = max(m, mt);
      let corr = exp(m - mNew);
      l *= corr;
      for (var i = 0u; i < HS4; i++) { acc[i] *= corr; }
      for (var j = 0u; j < BC; j++) {
        if (j < n) {
          let e = exp(s[j] - mNew);
          l += e;
          let v = base + (k0 + j) * C34 + 2u * C4;
          for (var i = 0u; i < HS4; i++) { acc[i] += e * qkv4[v + i]; }
        }
      }
      m = mNew;
    }
  }

  let o = (b * T + t) * p.C + h * HS;
  let inv = 1.0 / l;
  for (var i = 0u; i < HS4; i++) {
    let a = acc[i] * inv;
    out[o + 4u * i] = a.x;
    out[o + 4u * i + 1u] = a.y;
    out[o + 4u * i + 2u] = a.z;
    out[o + 4u * i + 3u] = a.w;
  }
  lse[(b * nwg.y + h) * T + t] = m + log(l);
}
