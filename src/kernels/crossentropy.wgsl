// Fused softmax + cross-entropy, one row per workgroup.
//   losses[r] = logsumexp(logits[r]) - logits[r][targets[r]]   (= -log softmax(logits[r])[target])
//   WRITE_GRAD: logits[r][i] is overwritten with (softmax(logits[r])[i] - (i == target)) * grad_scale.
// Bindings: params {N, V, grad_scale, nan_bits}, losses (N), logits (N, V) read_write, targets (N) u32.
// Dispatch: one workgroup of 256 per row, rows folded into a 2-D grid (x, y) when N > 65535.
// Reference: src/reference/crossentropy.ts (llm.c crossentropy_forward + crossentropy_softmax_backward).
//
// Each thread keeps an online (max, sum of exp(x - max)) over a strided slice of the row (one pass over
// the logits, ±1e4 stays finite); the 256 pairs are merged by a fixed tree, so results are deterministic.
// A target >= V makes the loss NaN (a data bug must not look like a plausible loss).

override WRITE_GRAD: bool = false;
const WG: u32 = 256u;
const NEG_BIG: f32 = -0x1.fffffep+127f; // running max before a thread has seen any element

struct Params { N: u32, V: u32, grad_scale: f32, nan_bits: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> losses: array<f32>;
@group(0) @binding(2) var<storage, read_write> logits: array<f32>;
@group(0) @binding(3) var<storage, read> targets: array<u32>;

var<workgroup> sh_max: array<f32, WG>;
var<workgroup> sh_sum: array<f32, WG>;

// Merges two (max, sum) pairs. An empty pair has sum 0: skip its exp so that exp(-3.4e38 - x)
// is never evaluated (some drivers' exp misbehaves that far out).
fn merge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let m = max(a.x, b.x);
  let sa = select(0.0, a.y * exp(a.x - m), a.y > 0.0);
  let sb = select(0.0, b.y * exp(b.x - m), b.y > 0.0);
  return vec2<f32>(m, sa + sb);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
  let row = wid.x + wid.y * nwg.x; // uniform across the workgroup: the early return keeps barriers valid
  if (row >= p.N) { return; }
  let V = p.V;
  let base = row * V;
  let t = targets[row];
  // Read the target logit before any thread overwrites the row (barriers below order it).
  let x_t = logits[base + min(t, V - 1u)];

  var acc = vec2<f32>(NEG_BIG, 0.0);
  for (var i = tid; i < V; i += WG) {
    let x = logits[base + i];
    if (x > acc.x) {
      // New max: rescale what we have (nothing, on the first element) and count this one as exp(0).
      acc = vec2<f32>(x, select(0.0, acc.y * exp(acc.x - x), acc.y > 0.0) + 1.0);
    } else {
      acc.y += exp(x - acc.x);
    }
  }
  sh_max[tid] = acc.x;
  sh_sum[tid] = acc.y;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (tid < stride) {
      let r = merge(vec2<f32>(sh_max[tid], sh_sum[tid]), vec2<f32>(sh_max[tid + stride], sh_sum[tid + stride]));
      sh_max[tid] = r.x;
      sh_sum[tid] = r.y;
    }
    workgroupBarrier();
  }
  let m = sh_max[0];
  let log_s = log(sh_sum[0]); // sum >= 1 (the max contributes exp(0)), so log_s in [0, log V]

  if (tid == 0u) {
    // logsumexp - x_t = log_s - (x_t - m): x_t - m is exact for nearby values, m + log_s would round.
    losses[row] = select(bitcast<f32>(p.nan_bits), log_s - (x_t - m), t < V);
  }
  if (WRITE_GRAD) {
    storageBarrier(); // every thread has read x_t before anyone writes the row
    for (var i = tid; i < V; i += WG) {
      let prob = exp((logits[base + i] - m) - log_s);
      let onehot = select(0.0, 1.0, i == t);
      logits[base + i] = (prob - onehot) * p.grad_scale;
    }
  }
}
