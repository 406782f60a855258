// Entry point of the plain matmul module: matmul.wgsl + this file (see matmul.wgsl's header).
// Every thread loads all of its A values itself.

// af[r] = A[row r of the thread, k..k+3] (nn, nt), or for tn af[q * 4 + i][kk] = A[k + kk, row q·4 + i].
fn aFragment(k: u32, m0: u32, lid: vec3<u32>, lane0: u32) -> array<vec4<f32>, 8> {
  var af: array<vec4<f32>, 8>;
  if (LAYOUT == 2u) {
    for (var kk = 0u; kk < 4u; kk++) {
      for (var q = 0u; q < 2u; q++) {
        let v = aQuadTn(k, kk, q, m0, lid.y);
        for (var i = 0u; i < 4u; i++) { af[q * 4u + i][kk] = v[i]; }
      }
    }
  } else {
    for (var r = 0u; r < 8u; r++) {
      af[r] = loadArowK(min(quadIndex(m0, WG_Y, lid.y, r), p.M - 1u), k);
    }
  }
  return af;
}

@compute @workgroup_size(8, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  tile(wid, lid, 0u);
}
