// Next-token candidates: softmax(logits / temperature) over the vocabulary, then the K most likely
// tokens, so only 2K numbers leave the GPU instead of V logits.
//   out[k]     = probability of the k-th most likely token (k = 0 .. K-1, most likely first)
//   out[K + k] = its id (u32 bits in the f32 array: read with a Uint32Array view)
// Order: higher logit first, the lower id on ties (as src/model/sampling.ts ranks tokens).
// Temperature 0 is greedy: the top token gets 1, the others 0 (softmax's limit).
// Bindings: params {V, K, temperature}, out (2K), logits (V).
// Dispatch: one workgroup of WG threads (batch-1 decode: one row).
//   Pass 1: each thread keeps a running (max, sum of exp) over its strided columns (online softmax,
//   Milakov & Gimelshein), merged by a tree. Pass 2: K rounds of a workgroup argmax, each over the tokens
//   ranked below the previous winner; K·V/WG reads per thread (~2k for GPT-2's 50,257 and K = 10).
// Reference: src/reference/topk.ts softmaxTopK.

override WG: u32 = 256u; // power of two (tree reduction)

struct Params { V: u32, K: u32, temperature: f32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;

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
fn main(@builtin(local_invocation_index) tid: u32) {
  let greedy = p.temperature == 0.0;
  let inv_t = select(1.0 / p.temperature, 1.0, greedy);

  // Pass 1: max logit and sum of exp((x - max) / T).
  var m = LOWEST;
  var s = 0.0;
  for (var c = tid; c < p.V; c += WG) {
    let x = logits[c];
    if (x > m) {
      s = s * exp((m - x) * inv_t) + 1.0;
      m = x;
    } else {
      s += exp((x - m) * inv_t);
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
      red_sum[tid] = red_sum[tid] * exp((m1 - mm) * inv_t) + red_sum[tid + k] * exp((m2 - mm) * inv_t);
      red_max[tid] = mm;
    }
    workgroupBarrier();
  }
  let row_max = red_max[0];
  let inv_sum = 1.0 / red_sum[0];
  workgroupBarrier(); // everyone has read red_max[0] before pass 2 reuses it

  // Pass 2: K argmax rounds below the previous winner (prev_i = NONE: no bound yet).
  var prev_v = 0.0;
  var prev_i = NONE;
  for (var r = 0u; r < p.K; r++) {
    var bv = LOWEST;
    var bi = NONE;
    for (var c = tid; c < p.V; c += WG) {
      let x = logits[c];
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
      var prob = exp((prev_v - row_max) * inv_t) * inv_sum;
      if (greedy) { prob = select(0.0, 1.0, r == 0u); }
      out[r] = select(prob, 0.0, prev_i == NONE);
      out[p.K + r] = bitcast<f32>(prev_i);
    }
  }
}
