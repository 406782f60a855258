// Row softmax, max-subtracted: out[r, c] = exp(inp[r, c] - max_r) / sum_c' exp(inp[r, c'] - max_r).
// Bindings: params {rows, cols}, out (rows, cols), inp (rows, cols).
// Dispatch: one workgroup of WG threads per row; rows folded into a 2-D grid (x, y) past 65535.
//   Pass 1: each thread keeps a running (max, sum of exp) over its strided columns ("online
//   softmax", one exp per element); the workgroup merges the pairs. Pass 2: write the probabilities.
// A row that is entirely -inf gives NaN (0/0), as the reference does.
// Reference: src/reference/softmax.ts softmaxForward.

override WG: u32 = 256u; // power of two (tree reduction)

struct Params { rows: u32, cols: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> inp: array<f32>;

// Lowest finite f32: an empty running max that still gives exp(lowest - m) = 0 and never inf - inf.
const LOWEST: f32 = -3.4028234663852886e38;

var<workgroup> red_max: array<f32, WG>;
var<workgroup> red_sum: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; } // uniform: the whole workgroup leaves together
  let base = row * p.cols;

  var m = LOWEST;
  var s = 0.0;
  for (var c = tid; c < p.cols; c += WG) {
    let x = inp[base + c];
    if (x > m) {
      s = s * exp(m - x) + 1.0; // rescale what we had to the new max
      m = x;
    } else {
      s += exp(x - m);
    }
  }

  // Merge (max, sum) pairs: sum = s1·exp(m1 - m) + s2·exp(m2 - m), m = max(m1, m2).
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

  for (var c = tid; c < p.cols; c += WG) {
    out[base + c] = exp(inp[base + c] - row_max) * inv_sum;
  }
}
