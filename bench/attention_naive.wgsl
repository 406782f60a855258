// Plain three-kernel causal self-attention that materialises the T×T attention maps (llm.c's
// first CUDA version): the baseline of the attention benchmark (bench/attention.ts).
//   scores:   probs[b,h,t,j] = q_t·k_j / √HS for j ≤ t, exactly 0 for j > t
//   softmax:  probs[b,h,t,·] = softmax over j ≤ t, in place
//   weighted: out[b,t,h*HS+i] = Σ_{j≤t} probs[b,h,t,j] · v_j[i]
// Bindings (per entry point): params {B, T, C, NH}; then
//   scores: probs (B, NH, T, T), qkv (B, T, 3C) | softmax: probs | weighted: out (B, T, C), probs, qkv.
//   qkv rows are [q | k | v], head h at columns h*HS..(h+1)*HS of each part.
// Dispatch: one thread per element (scores: B*NH*T*T, weighted: B*T*C) or per row (softmax: B*NH*T),
//   workgroups of 256 folded into a 2-D grid with grid1d.
// Reference: src/reference/attention.ts attentionForward (out, probs).

struct Params { B: u32, T: u32, C: u32, NH: u32, }

@group(0) @binding(0) var<uniform> p: Params;

// scores
@group(0) @binding(1) var<storage, read_write> s_probs: array<f32>;
@group(0) @binding(2) var<storage, read> s_qkv: array<f32>;
// softmax
@group(0) @binding(1) var<storage, read_write> m_probs: array<f32>;
// weighted
@group(0) @binding(1) var<storage, read_write> w_out: array<f32>;
@group(0) @binding(2) var<storage, read> w_probs: array<f32>;
@group(0) @binding(3) var<storage, read> w_qkv: array<f32>;

const WG = 256u;

@compute @workgroup_size(WG)
fn scores(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * WG; // ((b*NH + h)*T + t)*T + j
  let T = p.T;
  if (idx >= p.B * p.NH * T * T) { return; }
  let j = idx % T;
  let t = (idx / T) % T;
  let bh = idx / (T * T);
  let h = bh % p.NH;
  let b = bh / p.NH;
  if (j > t) {
    s_probs[idx] = 0.0;
    return;
  }
  let HS = p.C / p.NH;
  let C3 = 3u * p.C;
  let q = (b * T + t) * C3 + h * HS;
  let k = (b * T + j) * C3 + p.C + h * HS;
  var d = 0.0;
  for (var i = 0u; i < HS; i++) { d += s_qkv[q + i] * s_qkv[k + i]; }
  s_probs[idx] = d * inverseSqrt(f32(HS));
}

@compute @workgroup_size(WG)
fn softmax(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = gid.x + gid.y * nwg.x * WG; // (b*NH + h)*T + t
  let T = p.T;
  if (row >= p.B * p.NH * T) { return; }
  let t = row % T;
  let o = row * T;
  var mx = -3.0e38;
  for (var j = 0u; j <= t; j++) { mx = max(mx, m_probs[o + j]); }
  var sum = 0.0;
  for (var j = 0u; j <= t; j++) {
    let e = exp(m_probs[o + j] - mx);
    m_probs[o + j] = e;
    sum += e;
  }
  let inv = 1.0 / sum;
  for (var j = 0u; j <= t; j++) { m_probs[o + j] *= inv; }
}

@compute @workgroup_size(WG)
fn weighted(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * WG; // (b*T + t)*C + c
  let C = p.C;
  let T = p.T;
  if (idx >= p.B * T * C) { return; }
  let c = idx % C;
  let t = (idx / C) % T;
  let b = idx / (C * T);
  let h = c / (C / p.NH);
  let row = ((b * p.NH + h) * T + t) * T;
  let v = b * T * 3u * C + 2u * C + c;
  var acc = 0.0;
  for (var j = 0u; j <= t; j++) { acc += w_probs[row + j] * w_qkv[v + j * 3u * C]; }
  w_out[idx] = acc;
}
