// Causal self-attention backward, FlashAttention-2 style: the probabilities are recomputed from
// the forward's lse (P = exp(q·k/√HS − lse)), never stored. Two deterministic kernels, each output
// element owned by one thread (no atomics):
//   dq:  one thread per query row t:  δ_t = dout_t·out_t (written to `delta` for dkv),
//        dq_t = (1/√HS) Σ_{j≤t} P_tj (dout_t·v_j − δ_t) k_j
//   dkv: one thread per key row j:    dv_j = Σ_{s≥j} P_sj dout_s,
//        dk_j = (1/√HS) Σ_{s≥j} P_sj (dout_s·v_j − δ_s) q_s
// Run dq before dkv (dkv reads delta). Together they overwrite every element of dqkv.
// Bindings: params {T, C}; then
//   dq:  dqkv (B, T, 3C), delta (B, NH, T), dout (B, T, C), out (B, T, C), lse (B, NH, T), qkv (B, T, 3C)
//   dkv: dqkv, delta, dout, lse, qkv
//   qkv/dqkv rows are [q | k | v], head h at columns h*HS..(h+1)*HS of each part.
// Dispatch (both): (ceil(T / BR), NH, B) workgroups of BR threads. The inner index (key j in dq,
//   query s in dkv) is walked uniformly by the whole workgroup, out-of-range rows masked, so the
//   loads of the shared rows are uniform.
// Reference: src/reference/attention.ts attentionBackward.

struct Params { T: u32, C: u32, }

@group(0) @binding(0) var<uniform> p: Params;

// dq
@group(0) @binding(1) var<storage, read_write> q_dqkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> q_delta: array<f32>;
@group(0) @binding(3) var<storage, read> q_dout: array<f32>;
@group(0) @binding(4) var<storage, read> q_out: array<f32>;
@group(0) @binding(5) var<storage, read> q_lse: array<f32>;
@group(0) @binding(6) var<storage, read> q_qkv: array<f32>;
// dkv
@group(0) @binding(1) var<storage, read_write> k_dqkv: array<f32>;
@group(0) @binding(2) var<storage, read> k_delta: array<f32>;
@group(0) @binding(3) var<storage, read> k_dout: array<f32>;
@group(0) @binding(4) var<storage, read> k_lse: array<f32>;
@group(0) @binding(5) var<storage, read> k_qkv: array<f32>;

override HS: u32 = 64u; // head size, 1..MAX_HS
override BR: u32 = 64u; // rows (threads) per workgroup
const MAX_HS = 64u;

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
      let ds = exp(s - L) * (dp - delta); // dL/dS_tj through the softmax
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
      let P = exp(sc - k_lse[row]);
      let ds = P * (dp - k_delta[row]);
      for (var i = 0u; i < HS; i++) {
        dv[i] += P * k_dout[o + i];
        dk[i] += ds * k_qkv[q + i];
      }
    }
  }
  for (var i = 0u; i < HS; i++) {
    k_dqkv[base + j * C3 + C + i] = dk[i] * scale;
    k_dqkv[base + j * C3 + 2u * C + i] = dv[i];
  }
}
