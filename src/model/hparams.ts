/**
 * The model's hyperparameters as a type, the parameter count they imply, and the adapter limits a
 * model must fit. A leaf module (it imports nothing), so that the parameter layout (params.ts) and
 * the memory estimate (memory.ts) can name them without importing the config's validation
 * (config.ts), which uses both. config.ts re-exports all of it: elsewhere, import from there.
 */

export interface GPTConfig {
  n_layer: number;
  n_head: number;
  n_embd: number;
  /** Context length (Hugging Face's n_positions). */
  block_size: number;
  vocab_size: number;
}

/** The two adapter limits that decide whether a model fits (GPUSupportedLimits subset). */
export interface DeviceLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** Real parameter count (no alignment padding; the tied LM head counted once, as GPT-2 reports 124M). */
export function countParams(c: GPTConfig): number {
  const C = c.n_embd;
  const perLayer = 12 * C * C + 13 * C; // qkv 3C²+3C, attn proj C²+C, mlp 8C²+5C, two layernorms 4C
  return c.vocab_size * C + c.block_size * C + c.n_layer * perLayer + 2 * C;
}
