// The probe's scores: for each of R rows of logits, softmax over the vocabulary, then the
// probability of the row's true next token and the K most likely tokens, so that 1 + 2K numbers
// per position leave the GPU instead of V logits (the training page's "probabilities while it learns").
//   out[r*S]              = p(targets[r])                 (S = 1 + 2K floats per row)
//   out[r*S + 1 + k]      = probability of the k-th most likely token (most likely first)
//   out[r*S + 1 + K + k]  = its id (u32 bits in the f32 array: read with a Uint32Array view)
// Order: higher logit first, the lower id on ties (as topk.wgsl and src/model/sampling.ts).
// Bindings: params {V, K}, out (R, S), logits (R, V) (rows of the (N, V) logits, N >= R), targets (R) u32.
// Dispatch: one workgroup of WG threads per row (R workgroups). The per-row passes are topk.wgsl's
//   (softmax_rank.wgsl, joined to this file by src/kernels/probe_scores.ts): online softmax (max,
//   sum of exp) merged by a tree, then K workgroup argmax rounds.
// Reference: src/model/probe.test.ts (softmax of src/reference/gpt.ts refForward's logits).

override WG: u32 = 256u; // power of two (tree reduction)

struct Params { V: u32, K: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> targets: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let row = wid.x;
  let base = row * p.V;
  let S = 1u + 2u * p.K;

  // Pass 1: max logit and sum of exp(x - max).
  let stats = rowStats(tid, base, p.V, 1.0);
  let row_max = stats.row_max;
  let inv_sum = stats.inv_sum;

  if (tid == 0u) {
    out[row * S] = exp(logits[base + min(targets[row], p.V - 1u)] - row_max) * inv_sum;
  }
  // Pass 2: K argmax rounds below the previous winner (NONE: no bound yet).
  var prev = Ranked(0.0, NONE);
  for (var r = 0u; r < p.K; r++) {
    prev = nextBelow(tid, base, p.V, prev);
    if (tid == 0u) {
      out[row * S + 1u + r] = select(exp(prev.v - row_max) * inv_sum, 0.0, prev.i == NONE);
      out[row * S + 1u + p.K + r] = bitcast<f32>(prev.i);
    }
  }
}
