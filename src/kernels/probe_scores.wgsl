// The probe's scores: for each of R rows of logits, softmax over the vocabulary, then the
// probability of the row's true next token and the K most likely tokens, so that 1 + 2K numbers
// per position leave the GPU instead of V logits (the training page's "probabilities while it learns").
//   out[r*S]              = p(targets[r])                 (S = 1 + 2K floats per row)
//   out[r*S + 1 + k]      = probability of the k-th most likely token (most likely first)
//   out[r*S + 1 + K + k]  = its id (u32 bits in the f32 array: read with a Uint32Array view)
// Order: higher logit first, the lower id on ties (as topk.wgsl and src/model/sampling.ts).
// Bindings: params {V, K}, out (R, S), logits (R, V) (rows of the (N, V) logits, N >= R), targets (R) u32.
// Dispatch: one workgroup of WG threads per row (R workgroups). The per-row passes are topk.wgsl's:
//   online softmax (max, sum of exp) merged by a tree, then K workgroup argmax rounds.
// Reference: src/model/probe.test.ts (softmax of src/reference/gpt.ts refForward's logits).

override WG: u32 = 256u; // power of two (tree reduction)

struct Params { V: u32, K: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> targets: array<u32>;

const LOWEST: f32 = -3.4028234663852886e38;
const NONE: u32 = 0xffffffffu;

var<workgroup> red_max: array<f32, WG>;
var<workgroup> red_sum: array<f32, WG>;
var<workgroup> red_id: array<u32, WG>;

// (av, ai) ranks before (bv, bi): a higher logit, or the same logit and a lower id. NONE ranks last.
fn before(av: f32, ai: u32, bv: f32, bi: u32) -> bool {
  return ai != NONE && (bi == NONE || av > bv || (av == bv && ai < bi));
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let row = wid.x;
  let base = row * p.V;
  let S = 1u + 2u * p.K;

  // Pass 1: max logit and sum of exp(x - max).
  var m = LOWEST;
  var s = 0.0;
  for (var c = tid; c < p.V; c += WG) {
    let x = logits[base + c];
    if (x > m) {
      s = s * exp(m - x) + 1.0;
      m = x;
    } else {
      s += exp(x - m);
    }
  }
  red_max[tid] = m;
  red_sum[tid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (tid < k) {
      let m1 = red_max[tid];
      let m2 = red_max[tid + k];
      let mm = max(m1, m2);
      red_sum[tid] = red_sum[tid] * exp(m1 - mm) + red_sum[tid + k] * exp(m2 - mm);
      red_max[tid] = mm;
    }
    workgroupBarrier();
  }
  let row_max = red_max[0];
  let inv_sum = 1.0 / red_sum[0];
  workgroupBarrier(); // everyone has read red_max[0] before pass 2 reuses it

  if (tid == 0u) {
    out[row * S] = exp(logits[base + min(targets[row], p.V - 1u)] - row_max) * inv_sum;
  }

  // Pass 2: K argmax rounds below the previous winner (prev_i = NONE: no bound yet).
  var prev_v = 0.0;
  var prev_i = NONE;
  for (var r = 0u; r < p.K; r++) {
    var bv = LOWEST;
    var bi = NONE;
    for (var c = tid; c < p.V; c += WG) {
      let x = logits[base + c];
      let below = prev_i == NONE || x < prev_v || (x == prev_v && c > prev_i);
      if (below && before(x, c, bv, bi)) {
        bv = x;
        bi = c;
      }
    }
    red_max[tid] = bv;
    red_id[tid] = bi;
    workgroupBarrier();
    for (var k = WG / 2u; k > 0u; k >>= 1u) {
      if (tid < k && before(red_max[tid + k], red_id[tid + k], red_max[tid], red_id[tid])) {
        red_max[tid] = red_max[tid + k];
        red_id[tid] = red_id[tid + k];
      }
      workgroupBarrier();
    }
    prev_v = red_max[0];
    prev_i = red_id[0];
    workgroupBarrier(); // everyone has the winner before the next round overwrites the arrays
    if (tid == 0u) {
      out[row * S + 1u + r] = select(exp(prev_v - row_max) * inv_sum, 0.0, prev_i == NONE);
      out[row * S + 1u + p.K + r] = bitcast<f32>(prev_i);
    }
  }
}
