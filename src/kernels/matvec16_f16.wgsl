// The shader-f16 storage form of matvec16.wgsl (see its header), after `enable f16;`: the same
// bytes seen as f16 (two 8-byte vec4<f16> per 16-byte group), widened by conversion.
@group(0) @binding(4) var<storage, read> w: array<mat2x4<f16>>;

// The i-th group of 8 weights as two vec4<f32> (columns 0..3, 4..7 of the group).
fn weights8(i: u32) -> mat2x4<f32> {
  return mat2x4<f32>(w[i]);
}
