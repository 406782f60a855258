// Counter-based random bits for dropout: the keep mask is a pure function of (seed, stream, index),
// so a backward pass regenerates the forward's mask instead of storing it. Joined (whole file, in
// front) into dropout.wgsl and the attention modules by their wrappers; no bindings, no entry points.
// Mirrored bit for bit by src/reference/dropout.ts (keep the two in step).
//   key  = dropout_key(seed, stream)        one per (step, dropout site)
//   bits = dropout_bits(key, index)         32 random bits per element
//   kept = bits >= threshold                threshold = floor(p · 2^32): P(kept) = 1 − p
// Attention weights use two levels: dropout_bits(dropout_bits(key, row), column), row = (b·NH + h)·T + t.

// PCG hash (Jarzynski & Olano, "Hash Functions for GPU Rendering", JCGT 2020): a bijection of u32.
fn pcg_hash(x: u32) -> u32 {
  let state = x * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn dropout_key(seed: u32, stream: u32) -> u32 {
  return pcg_hash(seed ^ pcg_hash(stream));
}

// Two rounds, the key entering both: with one round (pcg_hash(index ^ key)) every stream's mask
// would be the same sequence re-indexed.
fn dropout_bits(key: u32, index: u32) -> u32 {
  return pcg_hash(pcg_hash(index ^ key) + key);
}
