// f32 -> 16-bit packed rows (src/kernels/packed16.ts's layout), on the GPU: a weight matrix that
// lives in f32 (the trained or loaded parameters) gets its half-precision copy without a trip
// through the CPU.
//   dst[r, j] = pack2x16float(src[r, 2j], src[r, 2j + 1]), zero past cols (the row padding).
// Bindings: params {rows, cols, ld (u32 words per packed row), stride (words per dispatch row)};
//   src (rows, cols) f32; dst (rows, ld) u32.
// Dispatch: 64-thread workgroups over the rows·ld words, (min(n, 65535), ceil(n / 65535)) for n
//   workgroups (GPT-2 small's wte is 19.3M words); word i = (wid.y · stride) + gid.x.
// pack2x16float rounds to one of the two nearest halves (WGSL leaves which to the implementation;
// packRows16 on the CPU rounds to nearest even): the tests allow one f16 ulp.

struct Params { rows: u32, cols: u32, ld: u32, stride: u32, }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

fn at(r: u32, c: u32) -> f32 {
  return select(0.0, src[r * p.cols + min(c, p.cols - 1u)], c < p.cols);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * p.stride + gid.x;
  if (i >= p.rows * p.ld) { return; }
  let r = i / p.ld;
  let j = i % p.ld;
  dst[i] = pack2x16float(vec2<f32>(at(r, 2u * j), at(r, 2u * j + 1u)));
}
