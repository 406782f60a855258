// AdamW step (decoupled weight decay, as torch.optim.AdamW), with global-norm gradient clipping:
//   clip = min(1, max_grad_norm / (sqrt(grad_norm_sq[0]) + 1e-6))    (1 when max_grad_norm <= 0: disabled)
//   g = grads[i] * clip; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g
//   params[i] -= lr * ((m / bc1) / (sqrt(v / bc2) + eps) + weight_decay * params[i])
// bc1 = 1 - b1^t, bc2 = 1 - b2^t and 1 - b1, 1 - b2 come from the host in float64 (1 - 0.999 in f32 is 1.3e-5 off).
// Bindings: params {n, lr, beta1, beta2, one_minus_beta1, one_minus_beta2, eps, weight_decay, bc1, bc2,
//   max_grad_norm}, params (n), m (n), v (n), grads (n), grad_norm_sq (1) (from gradnorm.wgsl: no read-back).
// Dispatch: min(4096, ceil(n / 256)) workgroups of 256, each thread striding by the grid (n up to 1.5e8).
// Entry points: `main` for any n; `main_vec4` (same bindings seen as vec4s, n4 = n / 4 of them) when
//   n % 4 == 0 and the views are 16-byte aligned, which the trainer's 64-float-aligned views always
//   are: a quarter of the load/store instructions (on lavapipe, GPT-2-small-sized steps: the optimizer
//   passes were a quarter of the step before, `npm run bench:profile -- --gpt2`).
// Reference: src/reference/adamw.ts adamwStep.

const WG: u32 = 256u;

struct Params {
  n: u32, lr: f32, beta1: f32, beta2: f32, one_minus_beta1: f32, one_minus_beta2: f32,
  eps: f32, weight_decay: f32, bc1: f32, bc2: f32, max_grad_norm: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read> grads: array<f32>;
@group(0) @binding(5) var<storage, read> grad_norm_sq: array<f32>;

fn clip_factor() -> f32 {
  return select(1.0, min(1.0, p.max_grad_norm / (sqrt(grad_norm_sq[0]) + 1e-6)), p.max_grad_norm > 0.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  // Every thread derives the same clip factor from the one float (a broadcast read, served by cache).
  let clip = clip_factor();
  for (var i = gid.x; i < p.n; i += nwg.x * WG) {
    let g = grads[i] * clip;
    let mi = p.beta1 * m[i] + p.one_minus_beta1 * g;
    let vi = p.beta2 * v[i] + p.one_minus_beta2 * g * g;
    m[i] = mi;
    v[i] = vi;
    let w = params[i];
    params[i] = w - p.lr * ((mi / p.bc1) / (sqrt(vi / p.bc2) + p.eps) + p.weight_decay * w);
  }
}

@group(0) @binding(1) var<storage, read_write> params4: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> m4: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> v4: array<vec4f>;
@group(0) @binding(4) var<storage, read> grads4: array<vec4f>;

@compute @workgroup_size(WG)
fn main_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let clip = clip_factor();
  for (var i = gid.x; i < p.n / 4u; i += nwg.x * WG) {
    let g = grads4[i] * clip;
    let mi = p.beta1 * m4[i] + p.one_minus_beta1 * g;
    let vi = p.beta2 * v4[i] + p.one_minus_beta2 * g * g;
    m4[i] = mi;
    v4[i] = vi;
    let w = params4[i];
    params4[i] = w - p.lr * ((mi / p.bc1) / (sqrt(vi / p.bc2) + p.eps) + p.weight_decay * w);
  }
}
