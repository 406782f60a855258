// Subgroup entry points of the fused attention backward: compiled as `enable subgroups;` +
// attention_backward.wgsl + this file, only on devices where src/gpu/subgroups.ts found subgroups
// of a multiple of 8 invocations. The walks of dq_vec4x2 and dkv_vec4x2, but the rows every thread
// of the workgroup reads (k_j, v_j in dq; q_s, dout_s in dkv) are loaded once per 8 lanes and handed
// round by subgroupShuffle, as in attention_forward_subgroups.wgsl: no early exit (lanes past T work
// on row T-1 and store nothing), loads only under workgroup-uniform conditions.
// Shipped model's shape (B=12 T=128 C=128 NH=4) on lavapipe: dq 12.7 -> 5.3 ms, dkv 13.6 -> 6.8 ms a
// call. At HS > 32 dkv keeps dkv_vec4 (one row per thread: two rows' registers spill).

fn shared_vec4(lo: vec4f, hi: vec4f, i: u32) -> vec4f {
  return subgroupShuffle(select(lo, hi, i >= 8u), i % 8u);
}

@compute @workgroup_size(BR)
fn dq_vec4x2_sg(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) r: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let T = p.T;
  let C4 = p.C / 4u;
  let C34 = 3u * C4;
  let HS4 = HS / 4u;
  let h = wg.y;
  let b = wg.z;
  let row0 = wg.x * 2u * BR;
  let live0 = row0 + 2u * r < T;
  let t0 = min(row0 + 2u * r, T - 1u);
  let has1 = live0 && t0 + 1u < T;
  let t1 = select(t0, t0 + 1u, has1);
  let last = min(row0 + 2u * BR, T) - 1u;
  let base = b * T * C34 + h * HS4;
  let o0 = (b * T + t0) * C4 + h * HS4;
  let o1 = (b * T + t1) * C4 + h * HS4;
  let row = (b * nwg.y + h) * T + t0;
  let scale = inverseSqrt(f32(HS));
  let mine_lo = min(lane % 8u, HS4 - 1u);
  let mine_hi = min(lane % 8u + 8u, HS4 - 1u);

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
  if (live0) { q4_delta[row] = delta0; }
  if (has1) { q4_delta[row + 1u] = delta1; }
  let L0 = q4_lse[row];
  let L1 = q4_lse[select(row, row + 1u, has1)];

  for (var j = 0u; j <= last; j++) {
    let k = base + j * C34 + C4;
    let v = k + C4;
    let klo = q4_qkv[k + mine_lo];
    let vlo = q4_qkv[v + mine_lo];
    var khi = klo;
    var vhi = vlo;
    if (HS > 32u) {
      khi = q4_qkv[k + mine_hi];
      vhi = q4_qkv[v + mine_hi];
    }
    var s0 = 0.0;
    var s1 = 0.0;
    var dp0 = 0.0;
    var dp1 = 0.0;
    for (var i = 0u; i < HS4; i++) {
      let kv = shared_vec4(klo, khi, i);
      let vv = shared_vec4(vlo, vhi, i);
      s0 += dot(q0[i], kv);
      s1 += dot(q1[i], kv);
      dp0 += dot(g0[i], vv);
      dp1 += dot(g1[i], vv);
    }
    let ds0 = exp(s0 - L0) * (dp0 - delta0);
    let ds1 = exp(s1 - L1) * (dp1 - delta1);
    for (var i = 0u; i < HS4; i++) {
      let kv = shared_vec4(klo, khi, i);
      if (j <= t0) { dq0[i] += ds0 * kv; }
      if (j <= t1) { dq1[i] += ds1 * kv; }
    }
  }
  if (live0) {
    for (var i = 0u; i < HS4; i++) { q4_dqkv[base + t0 * C34 + i] = dq0[i] * scale; }
  }
  if (has1) {
    for (var i = 0u; i < HS4; i++) { q4_dqkv[base + t1 * C34 + i] = dq1[i] * scale; }
  }
}

// For HS <= 32 (as dkv_vec4x2): q_s and dout_s each need one vec4 per lane.
@compute @workgroup_size(BR)
fn dkv_vec4x2_sg(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) r: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let T = p.T;
  let C4 = p.C / 4u;
  let C34 = 3u * C4;
  let HS4 = HS / 4u;
  let h = wg.y;
  let b = wg.z;
  let first = wg.x * 2u * BR; // the workgroup's first key: workgroup-uniform start of the walk
  let live0 = first + 2u * r < T;
  let j0 = min(first + 2u * r, T - 1u);
  let has1 = live0 && j0 + 1u < T;
  let j1 = select(j0, j0 + 1u, has1);
  let base = b * T * C34 + h * HS4;
  let scale = inverseSqrt(f32(HS));
  let mine = min(lane % 8u, HS4 - 1u);

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

  for (var s = first; s < T; s++) {
    let qlo = k4_qkv[base + s * C34 + mine];
    let glo = k4_dout[(b * T + s) * C4 + h * HS4 + mine];
    let row = (b * nwg.y + h) * T + s;
    var sc0 = 0.0;
    var sc1 = 0.0;
    var dp0 = 0.0;
    var dp1 = 0.0;
    for (var i = 0u; i < HS4; i++) {
      let qs = subgroupShuffle(qlo, i);
      let gs = subgroupShuffle(glo, i);
      sc0 += dot(qs, k0[i]);
      sc1 += dot(qs, k1[i]);
      dp0 += dot(gs, v0[i]);
      dp1 += dot(gs, v1[i]);
    }
    let L = k4_lse[row];
    let D = k4_delta[row];
    let P0 = exp(sc0 - L);
    let P1 = exp(sc1 - L);
    let ds0 = P0 * (dp0 - D);
    let ds1 = P1 * (dp1 - D);
    for (var i = 0u; i < HS4; i++) {
      let qs = subgroupShuffle(qlo, i);
      let gs = subgroupShuffle(glo, i);
      if (s >= j0) {
        dv0[i] += P0 * gs;
        dk0[i] += ds0 * qs;
      }
      if (s >= j1) {
        dv1[i] += P1 * gs;
        dk1[i] += ds1 * qs;
      }
    }
  }
  if (live0) {
    for (var i = 0u; i < HS4; i++) {
      k4_dqkv[base + j0 * C34 + C4 + i] = dk0[i] * scale;
      k4_dqkv[base + j0 * C34 + 2u * C4 + i] = dv0[i];
    }
  }
  if (has1) {
    for (var i = 0u; i < HS4; i++) {
      k4_dqkv[base + j1 * C34 + C4 + i] = dk1[i] * scale;
      k4_dqkv[base + j1 * C34 + 2u * C4 + i] = dv1[i];
    }
  }
}
