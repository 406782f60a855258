// The two passes that softmax + top-k kernels share (topk.wgsl, probe_scores.wgsl), over one row of
// V logits starting at `base` in the kernel's `logits` binding, by a workgroup of WG threads:
//   rowStats: the row's max logit and 1 / sum of exp((x - max) / T) (online softmax, Milakov &
//     Gimelshein: each thread a running (max, sum) over its strided columns, merged by a tree);
//   nextBelow: a workgroup argmax over the tokens ranked below (prev_v, prev_i) (NONE: no bound),
//     called K times for the K most likely tokens; K·V/WG reads per thread.
// Order: higher logit first, the lower id on ties (as src/model/sampling.ts ranks tokens).
// The including kernel declares `override WG: u32` (a power of two) and `logits: array<f32>`.
// Every thread of the workgroup must call both (they hold barriers); all get the same results.

const LOWEST: f32 = -3.4028234663852886e38;
const NONE: u32 = 0xffffffffu;

var<workgroup> red_max: array<f32, WG>;
var<workgroup> red_sum: array<f32, WG>;
var<workgroup> red_id: array<u32, WG>;

// (av, ai) ranks before (bv, bi): a higher logit, or the same logit and a lower id. NONE ranks last.
fn before(av: f32, ai: u32, bv: f32, bi: u32) -> bool {
  return ai != NONE && (bi == NONE || av > bv || (av == bv && ai < bi));
}

struct RowStats { row_max: f32, inv_sum: f32, }

fn rowStats(tid: u32, base: u32, V: u32, inv_t: f32) -> RowStats {
  var m = LOWEST;
  var s = 0.0;
  for (var c = tid; c < V; c += WG) {
    let x = logits[base + c];
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
  let r = RowStats(red_max[0], 1.0 / red_sum[0]);
  workgroupBarrier(); // everyone has read red_max[0] before the arrays are used again
  return r;
}

struct Ranked { v: f32, i: u32, }

fn nextBelow(tid: u32, base: u32, V: u32, prev: Ranked) -> Ranked {
  var bv = LOWEST;
  var bi = NONE;
  for (var c = tid; c < V; c += WG) {
    let x = logits[base + c];
    let below = prev.i == NONE || x < prev.v || (x == prev.v && c > prev.i);
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
  let r = Ranked(red_max[0], red_id[0]);
  workgroupBarrier(); // everyone has the winner before the next round overwrites the arrays
  return r;
}
