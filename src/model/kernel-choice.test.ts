/** The device's KernelChoice reaches the kernels through the model: a GPT records the device's choice of the moment, or the one it was given. */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { kernelChoice, setKernelChoice } from '../kernels/choice';
import { GPT } from './gpt';
import { Decoder } from './generate';
import { initParams } from './params';
import { matmulCandidates } from '../kernels/tune';

const config = { n_layer: 1, n_head: 2, n_embd: 16, block_size: 8, vocab_size: 13 };

/** The labels of a forward pass of `model` (matmul labels end with their variant). */
function forwardLabels(model: GPT): string[] {
  const acts = model.allocActivations(2, 8, false);
  const labels = model.recordForward(acts, 'none').flatMap((op) => ('label' in op && typeof op.label === 'string' ? [op.label] : []));
  model.destroyActivations(acts);
  return labels;
}

describe('kernel choice', () => {
  it("a GPT records the device's choice as it is when it records; one given kernels keeps them", async () => {
    const device = await testDevice();
    try {
      setKernelChoice(device, { nn: 'direct8x8', attention: 'tiled' });
      const model = new GPT(device, config);
      const fixed = new GPT(device, config, { kernels: { nn: 'direct8x8', attention: 'tiled' } });
      expect(model.kernels).toEqual(kernelChoice(device));
      const a = forwardLabels(model);
      // The tuner that finishes in the background sets a new choice: the next recording follows it.
      setKernelChoice(device, {});
      const b = forwardLabels(model);
      expect(forwardLabels(fixed)).toEqual(a);
      const nn = (labels: string[]) => labels.filter((l) => l.startsWith('matmul_nn'));
      expect(nn(a).length).toBeGreaterThan(0);
      for (const l of nn(a)) expect(l).toMatch(/_direct8x8$/);
      for (const l of nn(b)) expect(l).toMatch(/_block(_sg)?$/);
      expect(a).toContain('attention_forward_tiled');
      expect(b).not.toContain('attention_forward_tiled');
      expect(new GPT(device, config, { kernels: { attention: 'plain' } }).kernels).toEqual({ attention: 'plain' });
      model.destroy();
      fixed.destroy();
    } finally {
      setKernelChoice(device, {});
    }
  });

  it('a decoder that runs on the defaults switches to a choice set meanwhile at its next step, its cache intact', async () => {
    const device = await testDevice();
    const used: GPUComputePipeline[] = [];
    const create = device.createCommandEncoder.bind(device);
    try {
      setKernelChoice(device, {});
      const model = new GPT(device, config);
      model.setWeights(initParams(config, model.layout, 7));
      const dec = new Decoder(model);
      const tokens = [1, 5, 2, 9, 4];
      for (let pos = 0; pos < 3; pos++) await dec.step(tokens[pos]!, pos, { logits: false });
      // Every pipeline the next steps set.
      device.createCommandEncoder = (d) => {
        const enc = create(d);
        const begin = enc.beginComputePass.bind(enc);
        enc.beginComputePass = (pd) => {
          const pass = begin(pd);
          const set = pass.setPipeline.bind(pass);
          pass.setPipeline = (p) => (used.push(p), set(p));
          return pass;
        };
        return enc;
      };
      await dec.step(tokens[3]!, 3, { logits: false });
      const before = new Set(used);
      used.length = 0;
      // The tuner finishes: another decode matmul.
      const variant = matmulCandidates(device, 'decode').find((v) => v !== matmulCandidates(device, 'decode')[0])!;
      expect(variant).toBeDefined();
      setKernelChoice(device, { decode: variant });
      const switched = await dec.step(tokens[4]!, 4);
      expect(used.some((p) => !before.has(p))).toBe(true);
      // The same logits as a decoder built with that choice from the start (the cache rows of the defaults still hold).
      device.createCommandEncoder = create;
      const fresh = new Decoder(model);
      for (let pos = 0; pos < 4; pos++) await fresh.step(tokens[pos]!, pos, { logits: false });
      const want = await fresh.step(tokens[4]!, 4);
      const a = switched.logits!;
      const b = want.logits!;
      for (let i = 0; i < a.length; i++) expect(a[i]!).toBeCloseTo(b[i]!, 4);
      dec.destroy();
      fresh.destroy();
      model.destroy();
    } finally {
      device.createCommandEncoder = create;
      setKernelChoice(device, {});
    }
  });
});
