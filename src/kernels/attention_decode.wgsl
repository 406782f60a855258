// Single-token causal attention with a KV cache (batch 1).
//   decode:  kCache[pos] = k, vCache[pos] = v (of the new token's qkv row), then per head h
//            probs[base + h*(pos+1) + j] = softmax_j(q·kCache[j] / √HS) for j ≤ pos,
//            out[h*HS + i] = Σ_{j≤pos} probs[base + h*(pos+1) + j] · vCache[j, h*HS + i]
//          (the heads' rows are packed: (NH, pos+1) from `base`, so a caller can read them back
//          with one copy, every layer's block after the previous one in one buffer)
//          KEEP_SCORES (the "How it works" trace): the scores before the softmax are kept too, in
//          probs[scoresBase + h*(pos+1) + j] = q·kCache[j] / √HS (a range apart from the weights').
// Bindings: decode: params {pos, C, maxT, base, scoresBase}; out (C), probs (base + NH*(pos+1)),
//             qkv (3C) = [q | k | v], kCache (maxT, C), vCache (maxT, C). out and probs may be
//             ranges of one buffer (both writable), apart.
// Dispatch: decode: NH workgroups of WG, one per head. A head's workgroup writes and reads only its
//             own HS columns of the caches, so a storageBarrier inside the workgroup orders the
//             cache write before the reads; probs is the score scratch (each thread owns j ≡ lid mod WG).
// Reference: src/reference/attention.ts attentionForward (row pos of a sequence of pos+1 tokens).

struct DecodeParams { pos: u32, C: u32, maxT: u32, base: u32, scoresBase: u32, }

@group(0) @binding(0) var<uniform> dp: DecodeParams;
@group(0) @binding(1) var<storage, read_write> d_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> d_probs: array<f32>;
@group(0) @binding(3) var<storage, read> d_qkv: array<f32>;
@group(0) @binding(4) var<storage, read_write> d_k: array<f32>;
@group(0) @binding(5) var<storage, read_write> d_v: array<f32>;

override HS: u32 = 64u; // head size, 1..WG
override KEEP_SCORES: bool = false;
const WG = 64u;
const MAX_HS = 64u;

var<workgroup> red: array<f32, WG>;

/** Tree reduction over the workgroup (max when isMax, else sum); every thread gets the result. */
fn reduce(lid: u32, x: f32, isMax: bool) -> f32 {
  red[lid] = x;
  workgroupBarrier();
  for (var st = WG / 2u; st > 0u; st /= 2u) {
    if (lid < st) { red[lid] = select(red[lid] + red[lid + st], max(red[lid], red[lid + st]), isMax); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier(); // red is reused by the next reduction
  return r;
}

@compute @workgroup_size(WG)
fn decode(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let h = wg.x;
  let pos = dp.pos;
  let C = dp.C;
  let col = h * HS; // this head's columns
  let row = dp.base + h * (pos + 1u); // this head's probs row

  // 1. the new token's k and v into row pos of the caches
  if (lid < HS) {
    d_k[pos * C + col + lid] = d_qkv[C + col + lid];
    d_v[pos * C + col + lid] = d_qkv[2u * C + col + lid];
  }
  storageBarrier();

  // 2. scores, then the softmax in place in probs
  let scale = inverseSqrt(f32(HS));
  var q: array<f32, MAX_HS>;
  for (var i = 0u; i < HS; i++) { q[i] = d_qkv[col + i] * scale; }
  var mx = -3.0e38;
  for (var j = lid; j <= pos; j += WG) {
    var s = 0.0;
    for (var i = 0u; i < HS; i++) { s += q[i] * d_k[j * C + col + i]; }
    d_probs[row + j] = s;
    if (KEEP_SCORES) { d_probs[dp.scoresBase + h * (pos + 1u) + j] = s; }
    mx = max(mx, s);
  }
  mx = reduce(lid, mx, true);
  var sum = 0.0;
  for (var j = lid; j <= pos; j += WG) {
    let e = exp(d_probs[row + j] - mx);
    d_probs[row + j] = e;
    sum += e;
  }
  let inv = 1.0 / reduce(lid, sum, false);
  for (var j = lid; j <= pos; j += WG) { d_probs[row + j] *= inv; }
  storageBarrier();

  // 3. weighted sum of the cached values, one thread per channel of the head
  if (lid < HS) {
    var acc = 0.0;
    for (var j = 0u; j <= pos; j++) { acc += d_probs[row + j] * d_v[j * C + col + lid]; }
    d_out[col + lid] = acc;
  }
}
