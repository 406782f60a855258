import { describe, expect, it } from 'vitest';
import { crossEntropy } from './crossentropy';
import * as ref from '../reference/crossentropy';
import { runKernelCase } from '../../test/kernel-case';
import { checkGradient } from '../../test/gradcheck';
import { Rng, randomInts, randomNormals } from '../../test/random';
import { testDevice } from '../../test/gpu';
import { encodeDispatches } from '../gpu/dispatch';
import { readFloats, uploadBuffer } from '../gpu/buffers';

/** Builds the case for (N, V): loss only, or loss + in-place dlogits when gradScale is given. */
async function runCase(name: string, logits: Float32Array, targets: Uint32Array, N: number, V: number, gradScale?: number, lossAtol = 1e-5) {
  const expected: Record<string, ArrayLike<number>> = { losses: ref.crossEntropyForward(logits, targets, N, V) };
  // Without a gradient the logits must come back untouched (bit for bit: atol 0).
  expected.logits = gradScale === undefined ? logits : ref.crossEntropyBackward(logits, targets, new Float64Array(N).fill(gradScale), N, V);
  const gradTol = gradScale === undefined ? { atol: 0, rtol: 0 } : { atol: 1e-6 * Math.abs(gradScale), rtol: 1e-5 };
  return runKernelCase({
    name,
    inputs: { logits, targets },
    outputs: { losses: N },
    build: (dev, x) => crossEntropy(dev, { buffer: x.losses! }, { buffer: x.logits! }, { buffer: x.targets! }, N, V, gradScale),
    expected,
    tol: { losses: { atol: lossAtol, rtol: 1e-5 }, logits: gradTol },
  });
}

describe('cross-entropy reference', () => {
  it('backward matches finite differences of the forward', () => {
    const rng = new Rng(7);
    const N = 3;
    const V = 7;
    const logits = randomNormals(rng, N * V, 2);
    const targets = randomInts(rng, N, V);
    const dlosses = randomNormals(rng, N);
    const analytic = ref.crossEntropyBackward(logits, targets, dlosses, N, V);
    checkGradient('crossentropy', (x) => ref.crossEntropyForward(x, targets, N, V), logits, dlosses, analytic);
  });
});

describe('cross-entropy kernel', () => {
  const shapes: [number, number][] = [[1, 1], [1, 3], [3, 17], [17, 63], [4, 65], [65, 127], [127, 3], [2, 257], [5, 1000]];
  for (const [N, V] of shapes) {
    for (const gradScale of [undefined, 1 / N]) {
      it(`N=${N} V=${V} ${gradScale === undefined ? 'loss only' : 'loss + dlogits'}`, async () => {
        const rng = new Rng(N * 1000 + V);
        await runCase(`crossentropy N=${N} V=${V}`, randomNormals(rng, N * V, 2), randomInts(rng, N, V), N, V, gradScale);
      });
    }
  }

  it('GPT-2 vocabulary V=50257 (loss + dlogits, gradScale 0.37)', async () => {
    const N = 3;
    const V = 50257;
    const rng = new Rng(50257);
    const targets = Uint32Array.from([0, V - 1, 12345]);
    // 196 strided elements per thread + a 256-way tree: allow a little more on the loss (~log V = 10.8).
    await runCase('crossentropy V=50257', randomNormals(rng, N * V, 3), targets, N, V, 0.37, 5e-5);
  });

  it('N=65540 rows fold the grid past 65535 workgroups (V=2)', async () => {
    const N = 65540;
    const V = 2;
    const rng = new Rng(65540);
    await runCase('crossentropy N=65540', randomNormals(rng, N * V), randomInts(rng, N, V), N, V, 1 / N);
  });

  it('extreme logits (±1e4) give finite losses and gradients', async () => {
    const N = 6;
    const V = 65;
    const rng = new Rng(1e4);
    const logits = randomNormals(rng, N * V);
    for (let i = 0; i < logits.length; i++) {
      const u = rng.next();
      if (u < 0.2) logits[i] = 1e4;
      else if (u < 0.4) logits[i] = -1e4;
    }
    logits[0] = 1e4; // row 0: target at a +1e4 logit (loss log(#ties)), row 1: target at -1e4 (loss ~2e4)
    logits[V + 5] = -1e4;
    logits[V + 6] = 1e4;
    const targets = randomInts(rng, N, V);
    targets[0] = 0;
    targets[1] = 5;
    // float32 spacing at 2e4 is 2e-3: the loss is only as exact as the inputs' differences.
    const got = await runCase('crossentropy ±1e4', logits, targets, N, V, 1 / N, 4e-3);
    expect(got.losses!.every(Number.isFinite)).toBe(true);
    expect(got.logits!.every(Number.isFinite)).toBe(true);
    expect(got.losses![1]).toBeGreaterThan(1.9e4);
  });

  it('a target >= V gives a NaN loss (other rows unaffected)', async () => {
    const N = 2;
    const V = 17;
    const device = await testDevice();
    const logits = randomNormals(new Rng(3), N * V);
    const targets = Uint32Array.from([3, V]);
    const bufs = [uploadBuffer(device, 'ce.losses', new Float32Array(N)), uploadBuffer(device, 'ce.logits', logits), uploadBuffer(device, 'ce.targets', targets)];
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    encodeDispatches(pass, [crossEntropy(device, { buffer: bufs[0]! }, { buffer: bufs[1]! }, { buffer: bufs[2]! }, N, V)]);
    pass.end();
    device.queue.submit([enc.finish()]);
    const losses = await readFloats(device, bufs[0]!);
    bufs.forEach((b) => b.destroy());
    expect(losses[0]).toBeCloseTo(ref.crossEntropyForward(logits.subarray(0, V), targets, 1, V)[0]!, 5);
    expect(losses[1]).toBeNaN();
  });
});
