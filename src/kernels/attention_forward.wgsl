// Causal self-attention forward, fused (FlashAttention-style online softmax; T×T never stored).
//   out[b,t,h*HS+i] = Σ_{j≤t} softmax_j(q_t·k_j / √HS) · v_j[i]
//   lse[b,h,t]      = log Σ_{j≤t} exp(q_t·k_j / √HS)          (kept for the backward pass)
// Bindings: params {T, C, stream, threshold, scale} (the last three for dropout); out (B, T, C);
//   lse (B, NH, T); qkv (B, T, 3C), rows [q | k | v], head h at columns h*HS..(h+1)*HS of each part;
//   seed (1) u32 (`main`, `main_vec4x2` only; see dropout below).
// Entry points: `main` for any HS (scalar loads, one thread per query row), `main_vec4x2` when
//   HS % 4 == 0 (the same algorithm on vec4 loads and registers, two query rows per thread; about
//   3x faster on lavapipe). It reads binding 3 as array<vec4f>: with HS % 4 == 0 every row offset
//   is a multiple of 4.
// Dispatch: (ceil(T / 64), NH, B) workgroups of BR threads: BR = 64 for `main`, 32 for `main_vec4x2`.
//   Keys are walked in tiles of BC with one rescale of the accumulator per tile. The key index is
//   the same for every thread of the workgroup (threads past their diagonal are masked, not
//   diverged), so k/v reads are uniform: broadcasts on a GPU, scalar loads on llvmpipe.
// Attention dropout (training; override DROPOUT = true, `main` and `main_vec4x2` only — the wrapper
//   takes these when p > 0): out_t = Σ_j z_tj · softmax_j · v_j with z_tj = keep/(1 − p) from
//   dropout_rng.wgsl (row key of (b·NH + h)·T + t, column j); lse is unchanged (the mask acts after the
//   softmax). Binding 4 is the one-u32 per-step seed; with DROPOUT off it is never read (the wrapper
//   binds qkv there) and the constant-false branches fold away.
// Reference: src/reference/attention.ts attentionForward.

struct Params { T: u32, C: u32, stream: u32, threshold: u32, scale: f32, } // dropout: stream, floor(p·2^32), 1/(1−p)

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> lse: array<f32>;
@group(0) @binding(3) var<storage, read> qkv: array<f32>;
// main_vec4: the same buffer, 4 floats per element
@group(0) @binding(3) var<storage, read> qkv4: array<vec4f>;
@group(0) @binding(4) var<storage, read> seed: array<u32>;

override HS: u32 = 64u;   // head size, 1..MAX_HS
override BR: u32 = 64u;   // query rows (threads) per workgroup
const MAX_HS = 64u;       // private arrays need a constant size
const MAX_HS4 = 16u;
const BC = 16u;           // keys per tile
const NEG_BIG = -3.0e38;  // "minus infinity" that stays finite (exp of it minus anything is 0)
override DROPOUT = false;

// Dropout key of query row (b·NH + h)·T + t; 0 (unused) when DROPOUT is off.
fn drop_row_key(row: u32) -> u32 {
  if (!DROPOUT) { return 0u; }
  return dropout_bits(dropout_key(seed[0], p.stream), row);
}

// z = 1/(1 − p) if key j of the row is kept, else 0; 1 when DROPOUT is off.
fn drop_scale(row_key: u32, j: u32) -> f32 {
  if (!DROPOUT) { return 1.0; }
  return select(0.0, p.scale, dropout_bits(row_key, j) >= p.threshold);
}

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
  let rk = drop_row_key((b * nwg.y + h) * T + t);
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
          l += e; // the softmax's normaliser sums every weight, dropped or not
          let w = e * drop_scale(rk, k0 + j);
          let v = base + (k0 + j) * C3 + 2u * C;
          for (var i = 0u; i < HS; i++) { acc[i] += w * qkv[v + i]; }
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

// main_vec4x2: the walk of `main`, four channels at a time (offsets in vec4 units: C4 = C/4,
// HS4 = HS/4), for two adjacent query rows per thread (t0 = row0 + 2r and t1 = t0 + 1; the
// workgroup covers 2·BR rows). Each k_j and v_j loaded serves both rows, so a pair of rows costs
// about the loads of one: on lavapipe loads per invocation are what a kernel pays (B=12 T=128 C=128
// NH=4: 16.8 ms a call with one row per thread, 10.6 ms with two; GPT-2's HS=64: 2.5 -> 1.7 ms).
// At the end of an odd T, t1 repeats t0 and is not stored.
@compute @workgroup_size(BR)
fn main_vec4x2(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) r: u32) {
  let T = p.T;
  let C4 = p.C / 4u;
  let C34 = 3u * C4;
  let HS4 = HS / 4u;
  let h = wg.y;
  let b = wg.z;
  let row0 = wg.x * 2u * BR;
  let t0 = row0 + 2u * r;
  if (t0 >= T) { return; }
  let has1 = t0 + 1u < T;
  let t1 = select(t0, t0 + 1u, has1);
  let last = min(row0 + 2u * BR, T) - 1u;
  let base = b * T * C34 + h * HS4;

  let scale = inverseSqrt(f32(HS));
  var q0: array<vec4f, MAX_HS4>;
  var q1: array<vec4f, MAX_HS4>;
  var acc0: array<vec4f, MAX_HS4>;
  var acc1: array<vec4f, MAX_HS4>;
  for (var i = 0u; i < HS4; i++) {
    q0[i] = qkv4[base + t0 * C34 + i] * scale;
    q1[i] = qkv4[base + t1 * C34 + i] * scale;
    acc0[i] = vec4f(0.0);
    acc1[i] = vec4f(0.0);
  }
  var m0 = NEG_BIG;
  var m1 = NEG_BIG;
  var l0 = 0.0;
  var l1 = 0.0;
  var s0: array<f32, BC>;
  var s1: array<f32, BC>;
  let rk0 = drop_row_key((b * nwg.y + h) * T + t0);
  let rk1 = drop_row_key((b * nwg.y + h) * T + t1);

  for (var k0 = 0u; k0 <= last; k0 += BC) {
    if (k0 <= t1) {
      let n1 = min(BC, t1 - k0 + 1u);
      let n0 = select(0u, min(BC, t0 - k0 + 1u), k0 <= t0); // n0 <= n1: row t0 sees no more keys than t1
      var mt0 = NEG_BIG;
      var mt1 = NEG_BIG;
      for (var j = 0u; j < BC; j++) {
        if (j < n1) {
          let k = base + (k0 + j) * C34 + C4;
          var d0 = 0.0;
          var d1 = 0.0;
          for (var i = 0u; i < HS4; i++) {
            let kv = qkv4[k + i];
            d0 += dot(q0[i], kv);
            d1 += dot(q1[i], kv);
          }
          s1[j] = d1;
          mt1 = max(mt1, d1);
          if (j < n0) {
            s0[j] = d0;
            mt0 = max(mt0, d0);
          }
        }
      }
      let mNew0 = max(m0, mt0);
      let mNew1 = max(m1, mt1);
      let corr0 = exp(m0 - mNew0);
      let corr1 = exp(m1 - mNew1);
      l0 *= corr0;
      l1 *= corr1;
      for (var i = 0u; i < HS4; i++) {
        acc0[i] *= corr0;
        acc1[i] *= corr1;
      }
      for (var j = 0u; j < BC; j++) {
        if (j < n1) {
          let v = base + (k0 + j) * C34 + 2u * C4;
          let e1 = exp(s1[j] - mNew1);
          l1 += e1;
          let w1 = e1 * drop_scale(rk1, k0 + j);
          if (j < n0) {
            let e0 = exp(s0[j] - mNew0);
            l0 += e0;
            let w0 = e0 * drop_scale(rk0, k0 + j);
            for (var i = 0u; i < HS4; i++) {
              let vv = qkv4[v + i];
              acc0[i] += w0 * vv;
              acc1[i] += w1 * vv;
            }
          } else {
            for (var i = 0u; i < HS4; i++) { acc1[i] += w1 * qkv4[v + i]; }
          }
        }
      }
      m0 = mNew0;
      m1 = mNew1;
    }
  }

  let nh = nwg.y;
  store_row(b, h, nh, t0, &acc0, 1.0 / l0, m0 + log(l0));
  if (has1) { store_row(b, h, nh, t1, &acc1, 1.0 / l1, m1 + log(l1)); }
}

fn store_row(b: u32, h: u32, nh: u32, t: u32, acc: ptr<function, array<vec4f, MAX_HS4>>, inv: f32, row_lse: f32) {
  let o = (b * p.T + t) * p.C + h * HS;
  for (var i = 0u; i < HS / 4u; i++) {
    let a = (*acc)[i] * inv;
    out[o + 4u * i] = a.x;
    out[o + 4u * i + 1u] = a.y;
    out[o + 4u * i + 2u] = a.z;
    out[o + 4u * i + 3u] = a.w;
  }
  lse[(b * nh + h) * p.T + t] = row_lse;
}
