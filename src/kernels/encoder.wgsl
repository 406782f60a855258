// GPT-2 encoder: token + position embedding, forward and backward.
//   out[b, t, :] = wte[tokens[b, t], :] + wpe[t, :]
// Shapes: tokens (B, T) u32; wte, dwte (V, C); wpe, dwpe (maxT, C), T <= maxT; out, dout (B, T, C);
//   buckets: u32 (3·BT + 1) from packTokenBuckets (encoder.ts):
//     [unique (BT) | offsets (BT + 1) | positions (BT)], BT = B·T; bucket u's positions
//     (indices b·T + t) are positions[offsets[u] .. offsets[u + 1]]; unused buckets are empty.
// Entry points (bindings 1..n are per entry point, as the wrapper passes them):
//   forward:      params, out, tokens, wte, wpe
//     one thread per output element, ceil(BT·C / 256) workgroups folded into a 2-D grid.
//   backward_wte: params, dwte, dout, buckets       dwte[tok, :] += sum of dout over tok's positions
//     one workgroup per bucket (folded into a 2-D grid), threads stride over C. Each (token,
//     column) belongs to one thread, summed in position order: deterministic, no atomics.
//   backward_wpe: params, dwpe, dout                dwpe[t, :] = sum_b dout[b, t, :] (rows >= T untouched)
//     one thread per (t, c), ceil(T·C / 256) workgroups folded into a 2-D grid.
// Vocabulary ranges: forward and backward_wte see only the rows [lo, hi) of wte / dwte (the view
//   starts at row lo) and leave positions whose token is outside alone. A wte larger than one
//   storage binding is split into row chunks, one dispatch each; every token lies in one chunk.
//   A whole wte is the range [0, 2^32 - 1).
// Reference: src/reference/encoder.ts (llm.c encoder_forward / encoder_backward).

struct Params { BT: u32, T: u32, C: u32, lo: u32, hi: u32, }

@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read_write> fw_out: array<f32>;
@group(0) @binding(2) var<storage, read> fw_tokens: array<u32>;
@group(0) @binding(3) var<storage, read> fw_wte: array<f32>;
@group(0) @binding(4) var<storage, read> fw_wpe: array<f32>;

@group(0) @binding(1) var<storage, read_write> bt_dwte: array<f32>;
@group(0) @binding(2) var<storage, read> bt_dout: array<f32>;
@group(0) @binding(3) var<storage, read> bt_buckets: array<u32>;

@group(0) @binding(1) var<storage, read_write> bp_dwpe: array<f32>;
@group(0) @binding(2) var<storage, read> bp_dout: array<f32>;

@compute @workgroup_size(256)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.BT * p.C) { return; }
  let bt = i / p.C;
  let c = i - bt * p.C;
  let t = bt % p.T;
  let tok = fw_tokens[bt];
  if (tok < p.lo || tok >= p.hi) { return; } // another chunk's row
  fw_out[i] = fw_wte[(tok - p.lo) * p.C + c] + fw_wpe[t * p.C + c];
}

@compute @workgroup_size(64)
fn backward_wte(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) tid: u32) {
  let u = wid.x + wid.y * nwg.x;
  if (u >= p.BT) { return; }
  let begin = bt_buckets[p.BT + u];
  let end = bt_buckets[p.BT + u + 1u];
  if (begin >= end) { return; } // an unused bucket
  let tok = bt_buckets[u];
  if (tok < p.lo || tok >= p.hi) { return; } // another chunk's row
  let row = (tok - p.lo) * p.C;
  let positions = 2u * p.BT + 1u; // start of the positions section
  for (var c = tid; c < p.C; c += 64u) {
    var s = 0.0;
    for (var k = begin; k < end; k++) { s += bt_dout[bt_buckets[positions + k] * p.C + c]; }
    bt_dwte[row + c] += s;
  }
}

@compute @workgroup_size(256)
fn backward_wpe(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u; // = t·C + c
  let TC = p.T * p.C;
  if (i >= TC) { return; }
  var s = 0.0;
  for (var j = i; j < p.BT * p.C; j += TC) { s += bp_dout[j]; } // over b, in order
  bp_dwpe[i] = s;
}
