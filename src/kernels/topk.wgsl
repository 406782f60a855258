// Next-token candidates: softmax(logits / temperature) over the vocabulary, then the K most likely
// tokens, so only 2K numbers leave the GPU instead of V logits.
//   out[k]     = probability of the k-th most likely token (k = 0 .. K-1, most likely first)
//   out[K + k] = its id (u32 bits in the f32 array: read with a Uint32Array view)
// Order: higher logit first, the lower id on ties (as src/model/sampling.ts ranks tokens).
// Temperature 0 is greedy: the top token gets 1, the others 0 (softmax's limit).
// Bindings: params {V, K, temperature}, out (2K), logits (V).
// Dispatch: one workgroup of WG threads (batch-1 decode: one row).
//   Pass 1: max and sum of exp over the row; pass 2: K rounds of a workgroup argmax, each over the
//   tokens ranked below the previous winner (~2k reads per thread for GPT-2's 50,257 and K = 10).
//   Both passes are softmax_rank.wgsl's, joined to this file by src/kernels/topk.ts.
// Reference: src/reference/topk.ts softmaxTopK.

override WG: u32 = 256u; // power of two (tree reduction)

struct Params { V: u32, K: u32, temperature: f32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) tid: u32) {
  let greedy = p.temperature == 0.0;
  let inv_t = select(1.0 / p.temperature, 1.0, greedy);
  // Pass 1: max logit and sum of exp((x - max) / T).
  let stats = rowStats(tid, 0u, p.V, inv_t);
  // Pass 2: K argmax rounds below the previous winner (NONE: no bound yet).
  var prev = Ranked(0.0, NONE);
  for (var r = 0u; r < p.K; r++) {
    prev = nextBelow(tid, 0u, p.V, prev);
    if (tid == 0u) {
      var prob = exp((prev.v - stats.row_max) * inv_t) * stats.inv_sum;
      if (greedy) { prob = select(0.0, 1.0, r == 0u); }
      out[r] = select(prob, 0.0, prev.i == NONE);
      out[p.K + r] = bitcast<f32>(prev.i);
    }
  }
}
