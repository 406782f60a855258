// Causal self-attention backward, FlashAttention-2 style: the probabilities are recomputed from
// the forward's lse (P = exp(q·k/√HS − lse)), never stored. Two deterministic kernels, each output
// element owned by one thread (no atomics):
//   dq:  one thread per query row t:  δ_t = dout_t·out_t (written to `delta` for dkv),
//        dq_t = (1/√HS) Σ_{j≤t} P_tj (dout_t·v_j − δ_t) k_j
//   dkv: one thread per key row j:    dv_j = Σ_{s≥j} P_sj dout_s,
//        dk_j = (1/√HS) Σ_{s≥j} P_sj (dout_s·v_j − δ_s) q_s
// Run dq before dkv (dkv reads delta). Together they overwrite every element of dqkv.
// Entry points: dq, dkv for any HS (scalar loads); dq_vec4x2, dkv_vec4x2, dkv_vec4 when HS % 4 == 0 (below).
// Bindings: params {T, C, stream, threshold, scale} (the last three for dropout); then
//   dq:  dqkv (B, T, 3C), delta (B, NH, T), dout (B, T, C), out (B, T, C), lse (B, NH, T), qkv (B, T, 3C), seed (1) u32
//   dkv: dqkv, delta, dout, lse, qkv, seed
//   (seed: plain entry points only; the subgroup ones stop at qkv)
//   qkv/dqkv rows are [q | k | v], head h at columns h*HS..(h+1)*HS of each part.
// Dispatch (both): (ceil(T / 64), NH, B) workgroups of BR threads (64, or 32 for the two-row entry points). The inner index (key j in dq,
//   query s in dkv) is walked uniformly by the whole workgroup, out-of-range rows masked, so the
//   loads of the shared rows are uniform.
// Attention dropout (override DROPOUT = true; the plain entry points only, which the wrapper takes
//   when p > 0): with z_tj = keep/(1 − p) the forward's mask (regenerated from the seed, as in
//   attention_forward.wgsl), dP_tj = z_tj · dout_t·v_j, so dq/dk use P_tj (z_tj dout_t·v_j − δ_t) and
//   dv_j = Σ_s z_sj P_sj dout_s; δ_t = dout_t·out_t still holds with the dropped-out `out`.
//   The seed is binding 7 in dq, 6 in dkv; with DROPOUT off it is never read (the wrapper binds qkv).
// Reference: src/reference/attention.ts attentionBackward.

struct Params { T: u32, C: u32, stream: u32, threshold: u32, scale: f32, } // dropout: stream, floor(p·2^32), 1/(1−p)

@group(0) @binding(0) var<uniform> p: Params;

// dq
@group(0) @binding(1) var<storage, read_write> q_dqkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> q_delta: array<f32>;
@group(0) @binding(3) var<storage, read> q_dout: array<f32>;
@group(0) @binding(4) var<storage, read> q_out: array<f32>;
@group(0) @binding(5) var<storage, read> q_lse: array<f32>;
@group(0) @binding(6) var<storage, read> q_qkv: array<f32>;
@group(0) @binding(7) var<storage, read> q_seed: array<u32>;
// dkv
@group(0) @binding(1) var<storage, read_write> k_dqkv: array<f32>;
@group(0) @binding(2) var<storage, read> k_delta: array<f32>;
@group(0) @binding(3) var<storage, read> k_dout: array<f32>;
@group(0) @binding(4) var<storage, read> k_lse: array<f32>;
@group(0) @binding(5) var<storage, read> k_qkv: array<f32>;
@group(0) @binding(6) var<storage, read> k_seed: array<u32>;

override HS: u32 = 64u; // head size, 1..MAX_HS
override BR: u32 = 64u; // rows (threads) per workgroup
const MAX_HS = 64u;
override DROPOUT = false;

// The step's dropout key (dq's or dkv's seed binding); 0 (unused) when DROPOUT is off.
fn dq_drop_key() -> u32 {
  if (!DROPOUT) { return 0u; }
  return dropout_key(q_seed[0], p.stream);
}
fn dkv_drop_key() -> u32 {
  if (!DROPOUT) { return 0u; }
  return dropout_key(k_seed[0], p.stream);
}

// Key of query row (b·NH + h)·T + t.
fn drop_row_key(key: u32, row: u32) -> u32 {
  if (!DROPOUT) { return 0u; }
  return dropout_bits(key, row);
}

// z = 1/(1 − p) if key j of the row was kept, else 0; 1 when DROPOUT is off.
fn drop_scale(row_key: u32, j: u32) -> f32 {
  if (!DROPOUT) { return 1.0; }
  return select(0.0, p.scale, dropout_bits(row_key, j) >= p.threshold);
}

@compute @workgroup_size(BR)
fn dq(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) r: u32) {
  let T = p.T;
  let C = p.C;
  let C3 = 3u * C;
  let h = wg.y;
  let b = wg.z;
  let t = wg.x * BR + r;
  if (t >= T) { return; }
  let last = min(wg.x * BR + BR, T) - 1u;
  let base = b * T * C3 + h * HS; // qkv[b, 0, h*HS]
  let o = (b * T + t) * C + h * HS;
  let row = (b * nwg.y + h) * T + t;
  let scale = inverseSqrt(f32(HS));

  var q: array<f32, MAX_HS>;  // q_t / √HS
  var g: array<f32, MAX_HS>;  // dout_t
  var dq: array<f32, MAX_HS>; // Σ_j dS_tj k_j (scaled at the end)
  var delta = 0.0;
  for (var i = 0u; i < HS; i++) {
    q[i] = q_qkv[base + t * C3 + i] * scale;
    g[i] = q_dout[o + i];
    delta += g[i] * q_out[o + i];
    dq[i] = 0.0;
  }
  q_delta[row] = delta;
  let L = q_lse[row];
  let rk = drop_row_key(dq_drop_key(), row);

  for (var j = 0u; j <= last; j++) {
    if (j <= t) {
      let k = base + j * C3 + C;
      let v = k + C;
      var s = 0.0;
      var dp = 0.0;
      for (var i = 0u; i < HS; i++) {
        s += q[i] * q_qkv[k + i];
        dp += g[i] * q_qkv[v + i];
      }
      let ds = exp(s - L) * (dp * drop_scale(rk, j) - delta); // dL/dS_tj through the softmax
      for (var i = 0u; i < HS; i++) { dq[i] += ds * q_qkv[k + i]; }
    }
  }
  for (var i = 0u; i < HS; i++) { q_dqkv[base + t * C3 + i] = dq[i] * scale; }
}

@compute @workgroup_size(BR)
fn dkv(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) r: u32) {
  let T = p.T;
  let C = p.C;
  let C3 = 3u * C;
  let h = wg.y;
  let b = wg.z;
  let first = wg.x * BR; // the workgroup's first key: no query before it sees any of its keys
  let j = first + r;
  if (j >= T) { return; }
  let base = b * T * C3 + h * HS;
  let scale = inverseSqrt(f32(HS));
  let key = dkv_drop_key();

  var k: array<f32, MAX_HS>;
  var v: array<f32, MAX_HS>;
  var dk: array<f32, MAX_HS>;
  var dv: array<f32, MAX_HS>;
  for (var i = 0u; i < HS; i++) {
    k[i] = k_qkv[base + j * C3 + C + i] * scale; // pre-scaled: q·k is then the score
    v[i] = k_qkv[base + j * C3 + 2u * C + i];
    dk[i] = 0.0;
    dv[i] = 0.0;
  }

  for (var s = first; s < T; s++) {
    if (s >= j) {
      let q = base + s * C3;
      let o = (b * T + s) * C + h * HS;
      let row = (b * nwg.y + h) * T + s;
      var sc = 0.0;
      var dp = 0.0;
      for (var i = 0u; i < HS; i++) {
        sc += k_qkv[q + i] * k[i];
        dp += k_dout[o + i] * v[i];
      }
      let z = drop_scale(drop_row_key(key, row), j);
      let P = exp(sc - k_lse[row]);
      let ds = P * (z * dp - k_delta[row]);
      let zP = z * P;
      for (var i = 0u; i < HS; i++) {
        dv[i] += zP * k_dout[o + i];
        dk[i] += ds * k_qkv[q + i];
      }
    }
  }
  for (var i = 0u; i < HS; i++) {
    k_dqkv[base + j * C3 + C + i] = dk[i] * scale;
    k_dqkv[base + j * C3 + 2u * C + i] = dv[i];
  }
}

// The vec4 entry points walk as dq / dkv do, four channels at a time, for HS % 4 == 0 (then every
// row offset is a multiple of 4 and the buffers can be read and written as vec4s). Besides the 4x
// fewer load instructions, each shared row is loaded once per step and kept in registers for its
// second use (k_j in dq; q_s and dout_s in dkv), where the scalar kernels load it twice.
//   dq_vec4x2:  two adjacent query rows per thread (each k_j, v_j loaded serves both).
//   dkv_vec4x2: two adjacent key rows per thread (each q_s, dout_s loaded serves both), for HS <= 32.
//   dkv_vec4:   one key row per thread, for HS > 32, where two rows' ten register arrays spill
//               (GPT-2's HS=64: 4.8 ms a call with one row, 6.4 ms with two).
// Shipped model's shape (B=12 T=128 C=128 NH=4), per call on lavapipe: dq 27 -> 19 -> 12 ms and
// dkv 30 -> 22 -> 13 ms (scalar -> one vec4 row -> two). Offsets are in vec4 units (C4 = C/4, HS4 = HS/4).
const MAX_HS4 = 16u;

// dq_vec4x2
@group(0) @binding(1) var<storage, read_write> q4_dqkv: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> q4_delta: array<f32>;
@group(0) @binding(3) var<storage, read> q4_dout: array<vec4f>;
@group(0) @binding(4) var<storage, read> q4_out: array<vec4f>;
@group(0) @binding(5) var<storage, read> q4_lse: array<f32>;
@group(0) @binding(6) var<storage, read> q4_qkv: array<vec4f>;
// dkv_vec4, dkv_vec4x2
@group(0) @binding(1) var<storage, read_write> k4_dqkv: array<vec4f>;
@group(0) @binding(2) var<storage, read> k4_delta: array<f32>;
@group(0) @binding(3) var<storage, read> k4_dout: array<vec4f>;
@group(0) @binding(4) var<storage, read> k4_lse: array<f32>;
@group(0) @binding(5) var<storage, read> k4_qkv: array<vec4f>;

@compute @workgroup_size(BR)
fn dkv_vec4(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) r: u32) {
  let T = p.T;
  let C4 = p.C / 4u;
  let C34 = 3u * C4;
  let HS4 = HS / 4u;
  let h = wg.y;
  let b = wg.z;
  let first = wg.x * BR;
  let j = first + r;
  if (j >= T) { return; }
  let base = b * T * C34 + h * HS4;
  let scale = inverseSqrt(f32(HS));
  let key = dkv_drop_key();

  var k: array<vec4f, MAX_HS4>;
  var v: array<vec4f, MAX_HS4>;
  var dk: array<vec4f, MAX_HS4>;
  var dv: array<vec4f, MAX_HS4>;
  for (var i = 0u; i < HS4; i++) {
    k[i] = k4_qkv[base + j * C34 + C4 + i] * scale;
    v[i] = k4_qkv[base + j * C34 + 2u * C4 + i];
    dk[i] = vec4f(0.0);
    dv[i] = vec4f(0.0);
  }

  var qs: array<vec4f, MAX_HS4>;
  var gs: array<vec4f, MAX_HS4>;
  for (var s = first; s < T; s++) {
    if (s >= j) {
      let q = base + s * C34;
      let o = (b * T + s) * C4 + h * HS4;
      let row = (b * nwg.y + h) * T + s;
      var sc = 0.0;
      var dp = 0.0;
      for (var i = 0u; i < HS4; i++) {
        qs[i] = k4_qkv[q + i];
        gs[i] = k4_dout[o + i];
        sc += dot(qs[i], k[i]);
        dp += dot(gs[i], v[i]);
      }
      let z = drop_scale(drop_row_key(key, row), j);
      let P = exp(sc - k4_lse[row]);
      let ds = P * (z * dp - k4_delta[row]);
      let zP = z * P;
      for (var i = 0u; i < HS4; i++) {
        dv[i] += zP * gs[i];
        dk[i] += ds * qs[i];
      }
    }
  }
  for (var i = 0u; i < HS4; i++) {
    k4_dqkv[base + j * C34 + C4 + i] = dk[i] * scale;
    k4_dqkv[base + j * C34 + 2u * C4 + i] = dv[i];
  }
}

// dq_vec4x2 / dkv_vec4x2: two adjacent rows per thread (queries t0, t0 + 1 in dq; keys j0, j0 + 1
// in dkv; the workgroup covers 2·BR rows). At the end of an odd T the second row repeats the first
// and is not stored.

@compute @workgroup_size(BR)
fn dq_vec4x2(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) r: u32) {
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
  let o0 = (b * T + t0) * C4 + h * HS4;
  let o1 = (b * T + t1) * C4 + h * HS4;
  let row = (b * nwg.y + h) * T + t0; // t1's is row + 1
  let scale = inverseSqrt(f32(HS));

  var q0: array<vec4f, MAX_HS4>;
  var q1: array<vec4f, MAX_HS4>;
  var g0: array<vec4f, MAX_HS4>;
  var g1: array<vec4f, MAX_HS4>;
  var dq0: array<vec4f, MAX_HS4>;
  var dq1: array<vec4f, MAX_HS4>;
  var delta0 = 0.0;
  var delta1 = 0.0;
  for (var i = 0u; i < HS4; i++) {
    q0[i] = q4_qkv[base + t0 * C34 + i] * scale;
    q1[i] = q4_qkv[base + t1 * C34 + i] * scale;
    g0[i] = q4_dout[o0 + i];
    g1[i] = q4_dout[o1 + i];
    delta0 += dot(g0[i], q4_out[o0 + i]);
    delta1 += dot(g1[i], q4_out[o1 + i]);
    dq0[i] = vec4f(0.0);
    dq1[i] = vec4f(0.0);
  }
  q4_delta[row] = delta0;
  if (has1) { q4_delta[row + 1u] = delta1; }
  let L0 = q4_lse[row];
  let L1 = q4_lse[select(row, row + 1u, has1)];
  let key = dq_drop_key();
  let rk0 = drop_row_key(key, row);
  let rk1 = drop_row_key(key, select(row, row + 1u, has1));

  var kj: array<vec4f, MAX_HS4>;
  for (var j = 0u; j <= last; j++) {
    if (j <= t1) {
      let k = base + j * C34 + C4;
      let v = k + C4;
      var s0 = 0.0;
      var s1 = 0.0;
      var dp0 = 0.0;
      var dp1 = 0.0;
      for (var i = 0u; i < HS4; i++) {
        kj[i] = q4_qkv[k + i];
        let vv = q4_qkv[v + i];
        s0 += dot(q0[i], kj[i]);
        s1 += dot(q1[i], kj[i]);
        dp0 += dot(g0[i], vv);
        dp1 += dot(g1[i], vv);
      }
      let ds1 = exp(s1 - L1) * (dp1 * drop_scale(rk1, j) - delta1);
      if (j <= t0) {
        let ds0 = exp(s0 - L0) * (dp0 * drop_scale(rk0, j) - delta0);
        for (var i = 0u; i < HS4; i++) {
          dq0[i] += ds0 * kj[i];
          dq1[i] += ds1 * kj[i];
        }
      } else {
        for (var i = 0u; i < HS4; i++) { dq1[i] += ds1 * kj[i]; }
      }
    }
  }
  for (var i = 0u; i < HS4; i++) { q4_dqkv[base + t0 * C34 + i] = dq0[i] * scale; }
  if (has1) {
    for (var i = 0u; i < HS4; i++) { q4_dqkv[base + t1 * C34 + i] = dq1[i] * scale; }
  }
}

@compute @workgroup_size(BR)
fn dkv_vec4x2(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) r: u32) {
  let T = p.T;
  let C4 = p.C / 4u;
  let C34 = 3u * C4;
  let HS4 = HS / 4u;
  let h = wg.y;
  let b = wg.z;
  let first = wg.x * 2u * BR; // the workgroup's first key
  let j0 = first + 2u * r;
  if (j0 >= T) { return; }
  let has1 = j0 + 1u < T;
  let j1 = select(j0, j0 + 1u, has1);
  let base = b * T * C34 + h * HS4;
  let scale = inverseSqrt(f32(HS));
  let key = dkv_drop_key();

  var k0: array<vec4f, MAX_HS4>;
  var k1: array<vec4f, MAX_HS4>;
  var v0: array<vec4f, MAX_HS4>;
  var v1: array<vec4f, MAX_HS4>;
  var dk0: array<vec4f, MAX_HS4>;
  var dk1: array<vec4f, MAX_HS4>;
  var dv0: array<vec4f, MAX_HS4>;
  var dv1: array<vec4f, MAX_HS4>;
  for (var i = 0u; i < HS4; i++) {
    k0[i] = k4_qkv[base + j0 * C34 + C4 + i] * scale;
    k1[i] = k4_qkv[base + j1 * C34 + C4 + i] * scale;
    v0[i] = k4_qkv[base + j0 * C34 + 2u * C4 + i];
    v1[i] = k4_qkv[base + j1 * C34 + 2u * C4 + i];
    dk0[i] = vec4f(0.0);
    dk1[i] = vec4f(0.0);
    dv0[i] = vec4f(0.0);
    dv1[i] = vec4f(0.0);
  }

  var qs: array<vec4f, MAX_HS4>;
  var gs: array<vec4f, MAX_HS4>;
  for (var s = first; s < T; s++) {
    if (s >= j0) {
      let q = base + s * C34;
      let o = (b * T + s) * C4 + h * HS4;
      let row = (b * nwg.y + h) * T + s;
      var sc0 = 0.0;
      var sc1 = 0.0;
      var dp0 = 0.0;
      var dp1 = 0.0;
      for (var i = 0u; i < HS4; i++) {
        qs[i] = k4_qkv[q + i];
        gs[i] = k4_dout[o + i];
        sc0 += dot(qs[i], k0[i]);
        sc1 += dot(qs[i], k1[i]);
        dp0 += dot(gs[i], v0[i]);
        dp1 += dot(gs[i], v1[i]);
      }
      let L = k4_lse[row];
      let D = k4_delta[row];
      let rk = drop_row_key(key, row);
      let z0 = drop_scale(rk, j0);
      let P0 = exp(sc0 - L);
      let ds0 = P0 * (z0 * dp0 - D);
      let zP0 = z0 * P0;
      if (s >= j1) {
        let z1 = drop_scale(rk, j1);
        let P1 = exp(sc1 - L);
        let ds1 = P1 * (z1 * dp1 - D);
        let zP1 = z1 * P1;
        for (var i = 0u; i < HS4; i++) {
          dv0[i] += zP0 * gs[i];
          dk0[i] += ds0 * qs[i];
          dv1[i] += zP1 * gs[i];
          dk1[i] += ds1 * qs[i];
        }
      } else {
        for (var i = 0u; i < HS4; i++) {
          dv0[i] += zP0 * gs[i];
          dk0[i] += ds0 * qs[i];
        }
      }
    }
  }
  for (var i = 0u; i < HS4; i++) {
    k4_dqkv[base + j0 * C34 + C4 + i] = dk0[i] * scale;
    k4_dqkv[base + j0 * C34 + 2u * C4 + i] = dv0[i];
  }
  if (has1) {
    for (var i = 0u; i < HS4; i++) {
      k4_dqkv[base + j1 * C34 + C4 + i] = dk1[i] * scale;
      k4_dqkv[base + j1 * C34 + 2u * C4 + i] = dv1[i];
    }
  }
}
