// LayerNorm over the last axis (GPT-2, eps 1e-5, biased variance), forward and backward.
//   out = (inp - mean) · rstd · weight + bias,  rstd = 1 / sqrt(var + eps).
// Shapes: inp, out, dout, dinp: (N, C); weight, bias, dweight, dbias: (C); mean, rstd: (N);
//   partial: (NCHUNK, C) of vec2 (dweight, dbias) sums over ROWS_PER_CHUNK rows each.
// Entry points (bindings 1..n are per entry point, as the wrapper passes them):
//   forward:        params, out, mean, rstd, inp, weight, bias
//     one thread per row, ROWS_PER_WG rows per workgroup, folded into a 2-D grid (x, y) past 65535.
//   backward_dinp:  params, dinp, dout, inp, weight, mean, rstd
//     one thread per row; dinp += (w·dout - mean(w·dout) - norm·mean(w·dout·norm)) · rstd.
//   backward_partial: params, partial, dout, inp, mean, rstd
//     workgroup = 64 columns × 4 row lanes, grid (ceil(C / 64), NCHUNK); each owns one
//     (chunk, column) pair: no atomics, a fixed summation order, so results are deterministic.
//   backward_finish:  params, dweight, dbias, partial
//     one thread per column sums the NCHUNK partials in order; dweight, dbias overwritten.
// Reference: src/reference/layernorm.ts (llm.c layernorm_forward / layernorm_backward).
//
// Why one thread per row and not a workgroup per row with a tree reduction: on lavapipe every
// workgroupBarrier is a switch between the workgroup's invocations, and a 128-thread workgroup needs
// 7 of them per reduction. With N=1536, C=128 the workgroup-per-row forward took 14.5 ms a call and
// this one 1.2 ms (the same for backward_dinp: 8.7 -> 1.1 ms); the two were 15% of a training
// step of the shipped model (`npm run bench:profile`). A GPU would prefer a few threads per row;
// at these sizes (N·C below a million) either way is a small share of a step.

const ROWS_PER_WG: u32 = 64u; // forward, backward_dinp: one thread per row

struct Params { N: u32, C: u32, nchunk: u32, }

const EPS: f32 = 1e-5;
const ROWS_PER_CHUNK: u32 = 256u; // keep in sync with layernorm.ts
const COLS: u32 = 64u; // backward_partial: columns per workgroup
const LANES: u32 = 4u; // backward_partial: rows summed side by side per column

@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read_write> fw_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> fw_mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> fw_rstd: array<f32>;
@group(0) @binding(4) var<storage, read> fw_inp: array<f32>;
@group(0) @binding(5) var<storage, read> fw_weight: array<f32>;
@group(0) @binding(6) var<storage, read> fw_bias: array<f32>;

@group(0) @binding(1) var<storage, read_write> bd_dinp: array<f32>;
@group(0) @binding(2) var<storage, read> bd_dout: array<f32>;
@group(0) @binding(3) var<storage, read> bd_inp: array<f32>;
@group(0) @binding(4) var<storage, read> bd_weight: array<f32>;
@group(0) @binding(5) var<storage, read> bd_mean: array<f32>;
@group(0) @binding(6) var<storage, read> bd_rstd: array<f32>;

@group(0) @binding(1) var<storage, read_write> bp_partial: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> bp_dout: array<f32>;
@group(0) @binding(3) var<storage, read> bp_inp: array<f32>;
@group(0) @binding(4) var<storage, read> bp_mean: array<f32>;
@group(0) @binding(5) var<storage, read> bp_rstd: array<f32>;

@group(0) @binding(1) var<storage, read_write> bf_dweight: array<f32>;
@group(0) @binding(2) var<storage, read_write> bf_dbias: array<f32>;
@group(0) @binding(3) var<storage, read> bf_partial: array<vec2<f32>>;

@compute @workgroup_size(ROWS_PER_WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * ROWS_PER_WG;
  if (row >= p.N) { return; }
  let base = row * p.C;
  let inv_c = 1.0 / f32(p.C);

  // Two passes (mean, then squared deviations): no cancellation of sum(x²) - C·mean².
  var s = 0.0;
  for (var c = 0u; c < p.C; c++) { s += fw_inp[base + c]; }
  let mean = s * inv_c;
  var v = 0.0;
  for (var c = 0u; c < p.C; c++) {
    let d = fw_inp[base + c] - mean;
    v += d * d;
  }
  let rstd = inverseSqrt(v * inv_c + EPS);
  for (var c = 0u; c < p.C; c++) {
    fw_out[base + c] = (fw_inp[base + c] - mean) * rstd * fw_weight[c] + fw_bias[c];
  }
  fw_mean[row] = mean;
  fw_rstd[row] = rstd;
}

@compute @workgroup_size(ROWS_PER_WG)
fn backward_dinp(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * ROWS_PER_WG;
  if (row >= p.N) { return; }
  let base = row * p.C;
  let mean = bd_mean[row];
  let rstd = bd_rstd[row];

  // Both row means the normalisation couples the inputs through, in one pass.
  var acc = vec2(0.0);
  for (var c = 0u; c < p.C; c++) {
    let norm = (bd_inp[base + c] - mean) * rstd;
    let dnorm = bd_weight[c] * bd_dout[base + c];
    acc += vec2(dnorm, dnorm * norm);
  }
  let means = acc / f32(p.C); // (mean(dnorm), mean(dnorm · norm))
  for (var c = 0u; c < p.C; c++) {
    let norm = (bd_inp[base + c] - mean) * rstd;
    let dnorm = bd_weight[c] * bd_dout[base + c];
    bd_dinp[base + c] += (dnorm - means.x - norm * means.y) * rstd;
  }
}

var<workgroup> lanes: array<vec2<f32>, 256>; // COLS × LANES

@compute @workgroup_size(64, 4)
fn backward_partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = wid.x * COLS + lid.x;
  let chunk = wid.y;
  let row0 = chunk * ROWS_PER_CHUNK;
  let row_end = min(row0 + ROWS_PER_CHUNK, p.N);

  // Adjacent threads read adjacent columns of a row (coalesced).
  var acc = vec2(0.0); // (dweight, dbias)
  if (c < p.C) {
    for (var r = row0 + lid.y; r < row_end; r += LANES) {
      let d = bp_dout[r * p.C + c];
      acc += vec2((bp_inp[r * p.C + c] - bp_mean[r]) * bp_rstd[r] * d, d);
    }
  }
  lanes[lid.y * COLS + lid.x] = acc;
  workgroupBarrier();
  if (lid.y == 0u && c < p.C) {
    var total = lanes[lid.x];
    for (var l = 1u; l < LANES; l++) { total += lanes[l * COLS + lid.x]; }
    bp_partial[chunk * p.C + c] = total;
  }
}

@compute @workgroup_size(256)
fn backward_finish(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.C) { return; }
  var total = vec2(0.0);
  for (var k = 0u; k < p.nchunk; k++) { total += bf_partial[k * p.C + c]; }
  bf_dweight[c] = total.x;
  bf_dbias[c] = total.y;
}
