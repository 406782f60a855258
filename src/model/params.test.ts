import { describe, expect, it } from 'vitest';
import { countParams, TINY_SHAKESPEARE_CONFIG, type GPTConfig } from './config';
import { initParams, paramLayout } from './params';

const cfg = TINY_SHAKESPEARE_CONFIG;
const C = cfg.n_embd;

function stats(a: Float32Array): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (const v of a) {
    s += v;
    s2 += v * v;
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean) };
}

describe('paramLayout', () => {
  const layout = paramLayout(cfg);

  it("lists Hugging Face GPT-2's tensors with Conv1D (in, out) shapes", () => {
    expect(layout.tensors).toHaveLength(2 + 12 * cfg.n_layer + 2);
    const shape = (n: string) => layout.byName.get(n)?.shape;
    expect(shape('wte.weight')).toEqual([65, C]);
    expect(shape('wpe.weight')).toEqual([64, C]);
    expect(shape('h.0.ln_1.weight')).toEqual([C]);
    expect(shape('h.0.ln_1.bias')).toEqual([C]);
    expect(shape('h.3.attn.c_attn.weight')).toEqual([C, 3 * C]);
    expect(shape('h.3.attn.c_attn.bias')).toEqual([3 * C]);
    expect(shape('h.3.attn.c_proj.weight')).toEqual([C, C]);
    expect(shape('h.3.attn.c_proj.bias')).toEqual([C]);
    expect(shape('h.2.ln_2.weight')).toEqual([C]);
    expect(shape('h.2.ln_2.bias')).toEqual([C]);
    expect(shape('h.1.mlp.c_fc.weight')).toEqual([C, 4 * C]);
    expect(shape('h.1.mlp.c_fc.bias')).toEqual([4 * C]);
    expect(shape('h.1.mlp.c_proj.weight')).toEqual([4 * C, C]);
    expect(shape('h.1.mlp.c_proj.bias')).toEqual([C]);
    expect(shape('ln_f.weight')).toEqual([C]);
    expect(shape('ln_f.bias')).toEqual([C]);
    expect(layout.byName.has('h.4.ln_1.weight')).toBe(false);
  });

  it('aligns every tensor to 64 floats, without overlaps, inside totalFloats', () => {
    let end = 0;
    for (const t of layout.tensors) {
      expect(t.offset % 64).toBe(0);
      expect(t.size).toBe(t.shape.reduce((a, b) => a * b, 1));
      expect(t.offset).toBeGreaterThanOrEqual(end);
      end = t.offset + t.size;
    }
    expect(layout.totalFloats % 64).toBe(0);
    expect(layout.totalFloats).toBeGreaterThanOrEqual(end);
    expect(layout.totalFloats - end).toBeLessThan(64);
    expect(layout.tensors.reduce((a, t) => a + t.size, 0)).toBe(countParams(cfg));
  });

  it('puts the decayed (2-D) tensors first, in [0, decayFloats)', () => {
    const decayed = layout.tensors.filter((t) => t.decay);
    expect(decayed.map((t) => t.name).sort()).toEqual(layout.tensors.filter((t) => t.shape.length === 2).map((t) => t.name).sort());
    expect(decayed).toHaveLength(2 + 4 * cfg.n_layer);
    expect(layout.decayFloats % 64).toBe(0);
    for (const t of layout.tensors) {
      if (t.decay) expect(t.offset + t.size).toBeLessThanOrEqual(layout.decayFloats);
      else expect(t.offset).toBeGreaterThanOrEqual(layout.decayFloats);
    }
  });

  it('pads sizes that are not multiples of 64 (vocab 65, C 10)', () => {
    const odd: GPTConfig = { n_layer: 1, n_head: 2, n_embd: 10, block_size: 3, vocab_size: 65 };
    const l = paramLayout(odd);
    expect(l.byName.get('wte.weight')!.offset).toBe(0);
    expect(l.byName.get('wpe.weight')!.offset).toBe(704); // 650 rounded up to 64s
    for (const t of l.tensors) expect(t.offset % 64).toBe(0);
  });
});

describe('initParams', () => {
  const layout = paramLayout(cfg);
  const p = initParams(cfg, layout, 1337);
  const view = (name: string) => {
    const t = layout.byName.get(name)!;
    return p.subarray(t.offset, t.offset + t.size);
  };

  it('is deterministic for a seed and differs between seeds', () => {
    expect(initParams(cfg, layout, 1337)).toEqual(p);
    expect(initParams(cfg, layout, 1338)).not.toEqual(p);
    expect(p.length).toBe(layout.totalFloats);
  });

  it('follows GPT-2: N(0, 0.02), scaled residual projections, zero biases, unit layernorm gains', () => {
    const wte = stats(view('wte.weight'));
    expect(Math.abs(wte.mean)).toBeLessThan(0.002);
    expect(wte.std).toBeCloseTo(0.02, 3);
    expect(stats(view('h.0.attn.c_attn.weight')).std).toBeCloseTo(0.02, 3);
    expect(stats(view('h.0.mlp.c_fc.weight')).std).toBeCloseTo(0.02, 3);
    const projStd = 0.02 / Math.sqrt(2 * cfg.n_layer);
    expect(stats(view('h.2.attn.c_proj.weight')).std).toBeCloseTo(projStd, 3);
    expect(stats(view('h.2.mlp.c_proj.weight')).std).toBeCloseTo(projStd, 3);
    for (const name of ['h.0.attn.c_attn.bias', 'h.1.mlp.c_proj.bias', 'h.3.ln_2.bias', 'ln_f.bias']) {
      expect(view(name).every((v) => v === 0)).toBe(true);
    }
    for (const name of ['h.0.ln_1.weight', 'h.3.ln_2.weight', 'ln_f.weight']) {
      expect(view(name).every((v) => v === 1)).toBe(true);
    }
  });

  it('leaves the padding between tensors at 0', () => {
    const used = new Uint8Array(layout.totalFloats);
    for (const t of layout.tensors) used.fill(1, t.offset, t.offset + t.size);
    for (let i = 0; i < p.length; i++) if (!used[i]) expect(p[i]).toBe(0);
  });
});
