/**
 * Training recipes, in one place for the CLI and the page. A recipe is the model's shape plus the
 * optimiser schedule; the vocabulary comes from the corpus and its tokenizer.
 */

export interface Recipe {
  n_layer: number;
  n_head: number;
  n_embd: number;
  /** Context length: the model's block size, and the length T of every training sequence. */
  block_size: number;
  batch: number;
  steps: number;
  /** Peak learning rate after warmup; cosine decay to minLr at the last step (nanoGPT's get_lr). */
  lr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  /** nanoGPT's dropout: attention weights and residual branches, training only. 0 for small models. */
  dropout: number;
  /** Evaluate (train and val loss, a sample in the page, a save in the CLI) every this many steps. */
  evalEvery: number;
  /** Batches per evaluation estimate (nanoGPT's eval_iters). */
  evalIters: number;
  seed: number;
}

export interface Preset {
  id: PresetId;
  name: string;
  /** What it is for, in one sentence the page shows next to the name. */
  about: string;
  recipe: Recipe;
}

export type PresetId = 'quick' | 'nanogpt-cpu' | 'larger';

/**
 * nanoGPT's "train on a CPU / laptop" Shakespeare recipe (config/train_shakespeare_char.py with the
 * README's CPU overrides): 4 layers, 4 heads, 128 channels, context 64, batch 12, 2000 steps,
 * lr 1e-3 -> 1e-4, warmup 100 (its lr_decay_iters equals max_iters), dropout 0, beta2 0.99.
 */
export const NANOGPT_CPU: Recipe = {
  n_layer: 4,
  n_head: 4,
  n_embd: 128,
  block_size: 64,
  batch: 12,
  steps: 2000,
  lr: 1e-3,
  minLr: 1e-4,
  warmup: 100,
  weightDecay: 0.1,
  dropout: 0,
  evalEvery: 250,
  evalIters: 20,
  seed: 1337,
};

export const PRESETS: readonly Preset[] = [
  {
    id: 'quick',
    name: 'Quick look',
    about: 'A tiny model (about 0.1M parameters) that learns letters and common words within a minute on a laptop GPU.',
    recipe: { ...NANOGPT_CPU, n_layer: 2, n_head: 4, n_embd: 64, block_size: 64, batch: 16, steps: 600, lr: 3e-3, minLr: 3e-4, warmup: 50, evalEvery: 100, evalIters: 10 },
  },
  {
    id: 'nanogpt-cpu',
    name: "nanoGPT's CPU recipe",
    about: 'nanoGPT\'s Shakespeare recipe for laptops: 0.8M parameters, 2000 steps, val loss about 1.88 on Shakespeare.',
    recipe: NANOGPT_CPU,
  },
  {
    id: 'larger',
    name: 'Larger (GPU)',
    about: "nanoGPT's GPU Shakespeare shape (6 layers, 384 channels, 10.7M parameters) with dropout 0.2: minutes on a real GPU, val loss about 1.5.",
    recipe: { ...NANOGPT_CPU, n_layer: 6, n_head: 6, n_embd: 384, block_size: 256, batch: 32, steps: 5000, warmup: 100, dropout: 0.2, evalEvery: 250, evalIters: 20 },
  },
];

export function preset(id: PresetId): Preset {
  const p = PRESETS.find((x) => x.id === id);
  if (!p) throw new Error(`no preset ${id}`);
  return p;
}
