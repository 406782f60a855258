// Subgroup entry point of the fused attention forward: compiled as `enable subgroups;` +
// attention_forward.wgsl + this file, only on devices where src/gpu/subgroups.ts found subgroups of
// a multiple of 8 invocations. The walk of main_vec4x2 (two query rows per thread), but the key and
// value rows, the same for every thread of the workgroup, are loaded once per 8 lanes: lane l loads
// vec4 (l mod 8) (and (l mod 8) + 8 when HS > 32) of the row and subgroupShuffle hands vec4 i to all
// from lane i. Every lane must take part in each shuffle, so no thread leaves early: lanes past the
// end of T compute on row T-1 and store nothing, and the loads happen under workgroup-uniform
// conditions only (threads past their diagonal are masked after the exchange).
// Shipped model's shape (B=12 T=128 C=128 NH=4) on lavapipe: 10.6 -> 4.2 ms a call.

// vec4 i of a row shared by the subgroup: lane l holds vec4 (l mod 8) in `lo` and, when HS > 32,
// vec4 (l mod 8) + 8 in `hi`.
fn shared_vec4(lo: vec4f, hi: vec4f, i: u32) -> vec4f {
  return subgroupShuffle(select(lo, hi, i >= 8u), i % 8u);
}

@compute @workgroup_size(BR)
fn main_vec4x2_sg(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) r: u32,
                  @builtin(num_workgroups) nwg: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
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
  let last = min(row0 + 2u * BR, T) - 1u; // workgroup-uniform: bounds the shared walk
  let base = b * T * C34 + h * HS4;
  let mine_lo = min(lane % 8u, HS4 - 1u);
  let mine_hi = min(lane % 8u + 8u, HS4 - 1u);

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

  for (var k0 = 0u; k0 <= last; k0 += BC) {
    let n1 = select(0u, min(BC, t1 - k0 + 1u), k0 <= t1);
    let n0 = select(0u, min(BC, t0 - k0 + 1u), k0 <= t0);
    var mt0 = NEG_BIG;
    var mt1 = NEG_BIG;
    for (var j = 0u; j < BC; j++) {
      if (k0 + j <= last) {
        let k = base + (k0 + j) * C34 + C4;
        let lo = qkv4[k + mine_lo];
        var hi = lo;
        if (HS > 32u) { hi = qkv4[k + mine_hi]; }
        var d0 = 0.0;
        var d1 = 0.0;
        for (var i = 0u; i < HS4; i++) {
          let kv = shared_vec4(lo, hi, i);
          d0 += dot(q0[i], kv);
          d1 += dot(q1[i], kv);
        }
        if (j < n1) {
          s1[j] = d1;
          mt1 = max(mt1, d1);
        }
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
      if (k0 + j <= last) {
        let v = base + (k0 + j) * C34 + 2u * C4;
        let lo = qkv4[v + mine_lo];
        var hi = lo;
        if (HS > 32u) { hi = qkv4[v + mine_hi]; }
        let e0 = select(0.0, exp(s0[j] - mNew0), j < n0);
        let e1 = select(0.0, exp(s1[j] - mNew1), j < n1);
        l0 += e0;
        l1 += e1;
        for (var i = 0u; i < HS4; i++) {
          let vv = shared_vec4(lo, hi, i);
          if (j < n0) { acc0[i] += e0 * vv; }
          if (j < n1) { acc1[i] += e1 * vv; }
        }
      }
    }
    m0 = mNew0;
    m1 = mNew1;
  }

  let nh = nwg.y;
  if (live0) { store_row(b, h, nh, t0, &acc0, 1.0 / l0, m0 + log(l0)); }
  if (has1) { store_row(b, h, nh, t1, &acc1, 1.0 / l1, m1 + log(l1)); }
}
