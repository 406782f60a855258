// One query row of causal self-attention, written out for the "How it works" view: the scores
// before the softmax, which the decode kernel (attention_decode.wgsl) overwrites in place.
//   for each head h and every position j <= pos:
//     scores[h*(pos+1) + j]  = q_h · k_j,h / √HS                 (scaled, before the softmax)
//     weights[h*(pos+1) + j] = softmax_j(scores[h*(pos+1) + ·])  (max-subtracted)
// Bindings: params {pos, C, scoresBase, weightsBase} (float offsets into `cap`);
//           cap (read_write): the trace's capture buffer; qkv (3C) = [q | k | v] of position pos;
//           kCache (maxT, C): the decoder's keys, rows 0..pos written (row pos by this step's decode).
// Dispatch: NH workgroups of WG, one per head; thread lid owns positions j ≡ lid (mod WG).
// Reference: src/reference/attention.ts attentionForward (row pos), src/reference/trace.ts.

struct RowParams { pos: u32, C: u32, scoresBase: u32, weightsBase: u32, }

@group(0) @binding(0) var<uniform> rp: RowParams;
@group(0) @binding(1) var<storage, read_write> cap: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<f32>;
@group(0) @binding(3) var<storage, read> kCache: array<f32>;

override HS: u32 = 64u; // head size, 1..64
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
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let h = wg.x;
  let pos = rp.pos;
  let C = rp.C;
  let col = h * HS;
  let row = h * (pos + 1u);
  let scale = inverseSqrt(f32(HS));
  var q: array<f32, MAX_HS>;
  for (var i = 0u; i < HS; i++) { q[i] = qkv[col + i]; }
  var mx = -3.0e38;
  for (var j = lid; j <= pos; j += WG) {
    var s = 0.0;
    for (var i = 0u; i < HS; i++) { s += q[i] * kCache[j * C + col + i]; }
    s *= scale;
    cap[rp.scoresBase + row + j] = s;
    mx = max(mx, s);
  }
  mx = reduce(lid, mx, true);
  var sum = 0.0;
  for (var j = lid; j <= pos; j += WG) { sum += exp(cap[rp.scoresBase + row + j] - mx); }
  let inv = 1.0 / reduce(lid, sum, false);
  for (var j = lid; j <= pos; j += WG) { cap[rp.weightsBase + row + j] = exp(cap[rp.scoresBase + row + j] - mx) * inv; }
}
