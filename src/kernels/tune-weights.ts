/**
 * The tuner's class 'weights': which weights a decoder reads fastest on this adapter, f32 or a
 * 16-bit copy (src/model/f16.ts), timed like the kernel classes (src/gpu/tuner.ts) and stored in the
 * same record. Its choice is the default of the page's weights choice (src/workers/engine/models.ts:
 * weightsDefault) and the 16-bit form the page builds ('f16' where it won, else 'f16packed').
 *
 * What is timed: a decode step's MLP, one token through c_fc (C, 4C) with GELU and c_proj (4C, C),
 * the two largest matrices of a block (two thirds of a block's weight bytes): f32 through matmul
 * (M = 1, on the decode kernel the tuner chose: what the f32 decoder runs), 16-bit through matvec16. C = 768 (GPT-2 small: 18.9 MB of f32
 * weights, more than a CPU's last-level cache, so a software adapter streams them as a decode step
 * does); C = 2048 on an adapter fast enough that the tuner times matmul at GPU size (tune.ts), so a
 * GPU streams 134 MB rather than timing launch overhead. Weights are zeros: the time does not depend
 * on their values.
 *
 * Candidates: 'f16packed' first (the default, so an adapter whose budget runs out before f32 is
 * timed keeps 16-bit, as before the tuner chose), then 'f32', then 'f16' where shader-f16 runs.
 */
import { createStorage } from '../gpu/buffers';
import type { Dispatch } from '../gpu/dispatch';
import { tuneClasses, type TuneClass, type TuneProgress, type TuningRecord } from '../gpu/tuner';
import { weightsChoiceRuns, type WeightsChoice } from './choice';
import { isDecodeVariant, matmul, type MatmulVariant } from './matmul';
import { matvec16 } from './matvec16';
import { packedRowWords } from './packed16';

/** The candidates timed on this device, the default first. */
export function weightsCandidates(device: GPUDevice): WeightsChoice[] {
  return (['f16packed', 'f32', 'f16'] as const).filter((w) => weightsChoiceRuns(device, w));
}

/** Channels of the timed MLP: GPT-2 small's on a software adapter, 2048 on a GPU. */
export function weightsShape(gpu: boolean): number {
  return gpu ? 2048 : 768;
}

/** The class and a destroy() for the buffers its candidates made (call it after tuning, also on failure). */
export function weightsClass(device: GPUDevice, gpu: boolean, decode?: MatmulVariant): { cls: TuneClass; destroy(): void } {
  const variant = decode && isDecodeVariant(decode) ? decode : undefined;
  const C = weightsShape(gpu);
  const H = 4 * C;
  const made: GPUBuffer[] = [];
  const buf = (label: string, bytes: number) => {
    const b = createStorage(device, `tune.weights.${label}`, bytes);
    made.push(b);
    return { buffer: b };
  };
  let acts: Record<'x' | 'h' | 'y' | 'bfc' | 'bproj', { buffer: GPUBuffer }> | undefined;
  const activations = () => (acts ??= { x: buf('x', C * 4), h: buf('h', H * 4), y: buf('y', C * 4), bfc: buf('bfc', H * 4), bproj: buf('bproj', C * 4) });
  const build = (w: WeightsChoice): Dispatch[] => {
    const { x, h, y, bfc, bproj } = activations();
    if (w === 'f32') {
      const [fc, proj] = [buf('fc32', C * H * 4), buf('proj32', H * C * 4)];
      return [matmul(device, { out: h, a: x, b: fc, bias: bfc, M: 1, K: C, N: H, gelu: true, variant }), matmul(device, { out: y, a: h, b: proj, bias: bproj, M: 1, K: H, N: C, variant })];
    }
    const storage = w === 'f16' ? 'f16' : 'packed';
    const [fc, proj] = [buf('fc16', C * packedRowWords(H) * 4), buf('proj16', H * packedRowWords(C) * 4)];
    return [matvec16(device, { out: h, a: x, w: fc, bias: bfc, M: 1, K: C, N: H, gelu: true, storage }), matvec16(device, { out: y, a: h, w: proj, bias: bproj, M: 1, K: H, N: C, storage })];
  };
  return {
    cls: { name: 'weights', candidates: weightsCandidates(device).map((id) => ({ id, build: () => build(id) })) },
    destroy: () => made.splice(0).forEach((b) => b.destroy()),
  };
}

/**
 * Wall budget of the weights class, ms: its own, after the kernel classes (whose budget a software
 * adapter in a browser spends), so that f32 is timed too. Three candidates, each a warm-up and two
 * timings of one MLP: about 0.1 s on lavapipe, 1 s on SwiftShader.
 */
export const WEIGHTS_BUDGET_MS = 1500;

/**
 * Times the class on its own (after the kernel classes: `decode` is the decode kernel they chose,
 * which the f32 decoder runs) and frees its buffers.
 */
export async function tuneWeights(
  device: GPUDevice,
  gpu: boolean,
  decode: MatmulVariant | undefined,
  onProgress?: (p: TuneProgress) => void,
  { budgetMs = WEIGHTS_BUDGET_MS, yieldTo }: { budgetMs?: number; yieldTo?: () => Promise<void> } = {},
): Promise<Omit<TuningRecord, 'key'>> {
  const w = weightsClass(device, gpu, decode);
  try {
    return await tuneClasses(device, [w.cls], { budgetMs, onProgress, yieldTo });
  } finally {
    w.destroy();
  }
}
