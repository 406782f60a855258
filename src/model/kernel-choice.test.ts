/** The device's KernelChoice reaches the kernels through the model: a GPT records the choice it was built with. */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../test/gpu';
import { kernelChoice, setKernelChoice } from '../kernels/choice';
import { GPT } from './gpt';

const config = { n_layer: 1, n_head: 2, n_embd: 16, block_size: 8, vocab_size: 13 };

/** The labels of a forward pass of `model` (matmul labels end with their variant). */
function forwardLabels(model: GPT): string[] {
  const acts = model.allocActivations(2, 8, false);
  const labels = model.recordForward(acts, 'none').flatMap((op) => ('label' in op && typeof op.label === 'string' ? [op.label] : []));
  model.destroyActivations(acts);
  return labels;
}

describe('kernel choice', () => {
  it('a GPT records the device choice it was built with, and keeps it when the choice changes', async () => {
    const device = await testDevice();
    try {
      setKernelChoice(device, { nn: 'direct8x8', attention: 'tiled' });
      const chosen = new GPT(device, config);
      expect(chosen.kernels).toEqual(kernelChoice(device));
      setKernelChoice(device, {});
      const defaults = new GPT(device, config);
      const a = forwardLabels(chosen);
      const b = forwardLabels(defaults);
      const nn = (labels: string[]) => labels.filter((l) => l.startsWith('matmul_nn'));
      expect(nn(a).length).toBeGreaterThan(0);
      for (const l of nn(a)) expect(l).toMatch(/_direct8x8$/);
      for (const l of nn(b)) expect(l).toMatch(/_block(_sg)?$/);
      expect(a).toContain('attention_forward_tiled');
      expect(b).not.toContain('attention_forward_tiled');
      expect(new GPT(device, config, { kernels: { attention: 'plain' } }).kernels).toEqual({ attention: 'plain' });
      chosen.destroy();
      defaults.destroy();
    } finally {
      setKernelChoice(device, {});
    }
  });
});
