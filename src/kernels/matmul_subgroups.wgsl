// Entry point of the subgroup matmul module: `enable subgroups;` + matmul.wgsl + this file (see
// matmul.wgsl's header). The 8 threads along x of a workgroup row (same ty) need the same A values;
// they are 8 consecutive lanes of one subgroup (checked per device by src/gpu/subgroups.ts), lanes
// lane0 .. lane0 + 7. Thread tx loads the tx-th of the 8 vec4s and subgroupShuffle hands each to all.

fn aFragment(k: u32, m0: u32, lid: vec3<u32>, lane0: u32) -> array<vec4<f32>, 8> {
  var af: array<vec4<f32>, 8>;
  if (LAYOUT == 2u) {
    // Lane tx holds (kk, q) = (tx / 2, tx % 2).
    let mine = aQuadTn(k, lid.x / 2u, lid.x % 2u, m0, lid.y);
    for (var kk = 0u; kk < 4u; kk++) {
      for (var q = 0u; q < 2u; q++) {
        let v = subgroupShuffle(mine, lane0 + kk * 2u + q);
        for (var i = 0u; i < 4u; i++) { af[q * 4u + i][kk] = v[i]; }
      }
    }
  } else {
    // Lane tx holds the thread's row tx.
    let mine = loadArowK(min(quadIndex(m0, WG_Y, lid.y, lid.x), p.M - 1u), k);
    for (var r = 0u; r < 8u; r++) { af[r] = subgroupShuffle(mine, lane0 + r); }
  }
  return af;
}

@compute @workgroup_size(8, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32) {
  tile(wid, lid, lane - lid.x);
}
