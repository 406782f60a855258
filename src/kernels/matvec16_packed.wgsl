// The packed storage form of matvec16.wgsl (see its header): two halves per u32, widened with
// unpack2x16float (core WGSL: every adapter, SwiftShader included). Element 2i in the low half.
@group(0) @binding(4) var<storage, read> w: array<vec4<u32>>;

// The i-th group of 8 weights as two vec4<f32> (columns 0..3, 4..7 of the group).
fn weights8(i: u32) -> mat2x4<f32> {
  let q = w[i];
  return mat2x4<f32>(vec4<f32>(unpack2x16float(q.x), unpack2x16float(q.y)), vec4<f32>(unpack2x16float(q.z), unpack2x16float(q.w)));
}
