// Workgroup-memory tiled entry point of the fused attention forward: compiled as
// attention_forward.wgsl + this file (same Params and bindings 0..3; binding 4, the dropout seed, is
// not used: with dropout the wrapper runs the plain kernel). The walk of `main` (online softmax, one
// query row per thread, any HS 1..MAX_HS), but the key and value rows of each tile are loaded once
// per workgroup into workgroup memory, cooperatively, instead of once per thread from storage: on a
// GPU the threads of a block then read k/v from shared memory. src/kernels/tune.ts times it
// against the default kernel per adapter.
// Dispatch: (ceil(T / BQ), NH, B) workgroups of BQ threads; keys walked in tiles of BK. The tile walk
//   is bounded by the workgroup's last query row (whole tiles past the query block are never
//   loaded); inside a tile, keys past a thread's own row are masked (`j < n`), so future keys add
//   exactly nothing. No thread leaves before the barriers: threads past the end of T compute on row
//   T-1 and store nothing.
// Workgroup memory: 2 · BK · HS floats (16 KiB at BK = 32, HS = 64: the WebGPU minimum limit).
// lavapipe (B=1 T=256 C=256 NH=4): 35.8 ms a call against 1.9 ms for the subgroup
//   kernel (scalar loads, one row per thread, and barriers that switch invocations): the tuner keeps
//   the default there; the variant is for GPUs with fast shared memory.
// Reference: src/reference/attention.ts attentionForward.

override BQ: u32 = 64u;   // query rows (threads) per workgroup
override BK: u32 = 32u;   // keys per tile, ≤ MAX_BK
const MAX_BK = 64u;       // the private score array needs a constant size

var<workgroup> k_tile: array<f32, BK * HS>;
var<workgroup> v_tile: array<f32, BK * HS>;

@compute @workgroup_size(BQ)
fn main_tiled(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) r: u32) {
  let T = p.T;
  let C = p.C;
  let C3 = 3u * C;
  let h = wg.y;
  let b = wg.z;
  let row0 = wg.x * BQ;
  let live = row0 + r < T;
  let t = min(row0 + r, T - 1u);
  let last = min(row0 + BQ, T) - 1u; // workgroup-uniform: bounds the tile walk
  let base = b * T * C3 + h * HS;    // qkv[b, 0, h*HS]

  let scale = inverseSqrt(f32(HS));
  var q: array<f32, MAX_HS>;
  var acc: array<f32, MAX_HS>;
  for (var i = 0u; i < HS; i++) {
    q[i] = qkv[base + t * C3 + i] * scale;
    acc[i] = 0.0;
  }
  var m = NEG_BIG;
  var l = 0.0;
  var s: array<f32, MAX_BK>;

  for (var k0 = 0u; k0 <= last; k0 += BK) {
    // Cooperative load of keys k0..k0+BK-1 (rows past `last` are not read; their slots are unused).
    workgroupBarrier(); // the previous tile is no longer read
    for (var e = r; e < BK * HS; e += BQ) {
      let j = e / HS;
      let i = e % HS;
      if (k0 + j <= last) {
        let row = base + (k0 + j) * C3 + i;
        k_tile[e] = qkv[row + C];
        v_tile[e] = qkv[row + 2u * C];
      }
    }
    workgroupBarrier();
    if (k0 <= t) {
      let n = min(BK, t - k0 + 1u); // keys k0..k0+n-1 of this tile are visible to t
      var mt = NEG_BIG;
      for (var j = 0u; j < BK; j++) {
        if (j < n) {
          var d = 0.0;
          for (var i = 0u; i < HS; i++) { d += q[i] * k_tile[j * HS + i]; }
          s[j] = d;
          mt = max(mt, d);
        }
      }
      let mNew = max(m, mt);
      let corr = exp(m - mNew);
      l *= corr;
      for (var i = 0u; i < HS; i++) { acc[i] *= corr; }
      for (var j = 0u; j < BK; j++) {
        if (j < n) {
          let w = exp(s[j] - mNew);
          l += w;
          for (var i = 0u; i < HS; i++) { acc[i] += w * v_tile[j * HS + i]; }
        }
      }
      m = mNew;
    }
  }

  if (live) {
    let o = (b * T + t) * C + h * HS;
    let inv = 1.0 / l;
    for (var i = 0u; i < HS; i++) { out[o + i] = acc[i] * inv; }
    lse[(b * nwg.y + h) * T + t] = m + log(l);
  }
}
