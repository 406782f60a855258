// The register-blocked matmul body (see matmul.wgsl's header): each thread owns an 8x8 block of out
// and reads its inputs straight from storage, no workgroup memory. Part of the plain and subgroup
// modules (matmul.wgsl + this file + the entry file that defines `aFragment`).

// The whole tile of one thread; aFragment (defined by the entry file, see the header) supplies A.
fn tile(wid: vec3<u32>, lid: vec3<u32>, lane0: u32) {
  let m0 = wid.y * 8u * WG_Y;
  let n0 = wid.x * TILE_N;
  // acc[r * 2 + g] = out[row r, columns of quad g] (8 rows x 2 quads of 4 columns).
  var acc: array<vec4<f32>, 16>;
  for (var k = 0u; k < p.K; k += 4u) {
    // Fragments of this 4-deep slice of K: af[r] = A[row r, k..k+3] (vec over k),
    // bf[kk * 2 + g] = B[k + kk, quad g's 4 columns] (vec over columns).
    let af = aFragment(k, m0, lid, lane0);
    var bf: array<vec4<f32>, 8>;
    if (LAYOUT == 1u) {
      for (var c = 0u; c < 8u; c++) {
        let v = loadBrowK(min(quadIndex(n0, 8u, lid.x, c), p.N - 1u), k);
        for (var kk = 0u; kk < 4u; kk++) { bf[kk * 2u + c / 4u][c % 4u] = v[kk]; }
      }
    } else {
      for (var kk = 0u; kk < 4u; kk++) {
        let kc = min(k + kk, p.K - 1u);
        for (var g = 0u; g < 2u; g++) {
          bf[kk * 2u + g] = loadBquadN(kc, n0 + g * 32u + lid.x * 4u);
        }
      }
    }
    for (var kk = 0u; kk < 4u; kk++) {
      for (var r = 0u; r < 8u; r++) {
        for (var g = 0u; g < 2u; g++) {
          acc[r * 2u + g] += af[r][kk] * bf[kk * 2u + g];
        }
      }
    }
  }

  for (var r = 0u; r < 8u; r++) {
    let m = quadIndex(m0, WG_Y, lid.y, r);
    if (m >= p.M) { continue; }
    for (var c = 0u; c < 8u; c++) {
      let n = quadIndex(n0, 8u, lid.x, c);
      if (n >= p.N) { continue; }
      storeOut(m, n, acc[r * 2u + c / 4u][c % 4u]);
    }
  }
}
