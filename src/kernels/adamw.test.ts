import { describe, expect, it } from 'vitest';
import { adamw, type AdamWHyper } from './adamw';
import { gradNormPartialsSize, gradNormSquared } from './gradnorm';
import * as ref from '../reference/adamw';
import { sumSquares } from '../reference/reduce';
import { encodeDispatches, type Dispatch } from '../gpu/dispatch';
import { createStorage, readFloats, uploadBuffer } from '../gpu/buffers';
import { testDevice } from '../../test/gpu';
import { assertClose, runKernelCase, type Tol } from '../../test/kernel-case';
import { Rng, randomNormals } from '../../test/random';

const BASE = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

interface Scenario {
  name: string;
  params0: Float32Array;
  /** grads[t - 1] is step t's gradient. */
  grads: Float32Array[];
  hyper: (step: number) => AdamWHyper;
  checkAt: number[];
  /** Typical gradient magnitude: sets the absolute tolerance of m and v. */
  gradStd: number;
  /** Also run gradNormSquared on the GPU (no read-back) instead of uploading the squared norm. */
  gpuNorm?: boolean;
}

/** Runs the steps on the GPU and on the float64 reference side by side, comparing params, m, v at checkAt. */
async function runScenario(s: Scenario): Promise<void> {
  const device = await testDevice();
  const n = s.params0.length;
  const bufs = {
    params: uploadBuffer(device, `${s.name}.params`, s.params0),
    m: createStorage(device, `${s.name}.m`, n * 4),
    v: createStorage(device, `${s.name}.v`, n * 4),
    grads: createStorage(device, `${s.name}.grads`, n * 4),
    gns: createStorage(device, `${s.name}.gns`, 4),
    partials: createStorage(device, `${s.name}.partials`, gradNormPartialsSize(n) * 4),
  };
  const tol: Record<'params' | 'm' | 'v', Tol> = {
    params: { atol: 1e-6, rtol: 1e-6 },
    m: { atol: 1e-6 * s.gradStd, rtol: 1e-5 },
    v: { atol: 1e-6 * s.gradStd ** 2, rtol: 1e-5 },
  };
  try {
    device.pushErrorScope('validation');
    const opt = adamw(device, { buffer: bufs.params }, { buffer: bufs.grads }, { buffer: bufs.m }, { buffer: bufs.v }, { buffer: bufs.gns }, n);
    const norm: Dispatch[] = s.gpuNorm ? gradNormSquared(device, { buffer: bufs.gns }, { buffer: bufs.partials }, { buffer: bufs.grads }, n) : [];
    const state = ref.adamwInit(s.params0);
    for (let t = 1; t <= s.grads.length; t++) {
      const g = s.grads[t - 1]!;
      device.queue.writeBuffer(bufs.grads, 0, g.buffer, g.byteOffset, g.byteLength);
      // The reference clips with the squared norm as float32 holds it (exact float64 when the GPU computes it).
      const gns = s.gpuNorm ? sumSquares(g) : Math.fround(sumSquares(g));
      if (!s.gpuNorm) device.queue.writeBuffer(bufs.gns, 0, Float32Array.of(gns));
      const h = s.hyper(t);
      opt.setHyper(h);
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      encodeDispatches(pass, [...norm, opt.dispatch]);
      pass.end();
      device.queue.submit([enc.finish()]);
      ref.adamwStep(state, g, gns, h);
      if (s.checkAt.includes(t)) {
        for (const k of ['params', 'm', 'v'] as const) {
          assertClose(`${s.name} step ${t}: ${k}`, await readFloats(device, bufs[k], 0, n), state[k], tol[k]);
        }
      }
    }
    const err = await device.popErrorScope();
    if (err) throw new Error(`${s.name}: WebGPU validation error: ${err.message}`);
  } finally {
    Object.values(bufs).forEach((b) => b.destroy());
  }
}

function stepGrads(rng: Rng, n: number, steps: number, std: number): Float32Array[] {
  return Array.from({ length: steps }, () => {
    const g = randomNormals(rng, n, std);
    if (n >= 17) g[n - 1] = 0; // a parameter with no gradient: only weight decay moves it
    return g;
  });
}

const norms = (grads: Float32Array[]) => grads.map((g) => Math.sqrt(Math.fround(sumSquares(g))));
/** Cosine decay from 1e-2: the lr changes every step, as in training. */
const lrAt = (t: number, steps: number) => 1e-2 * (0.55 + 0.45 * Math.cos((Math.PI * (t - 1)) / steps));

describe('adamw', () => {
  // n % 4 == 0 (64, 1024) takes the vec4 entry point, the others the scalar one.
  for (const n of [1, 3, 17, 63, 64, 65, 127, 1024]) {
    it(`n=${n}: 10 steps, weight decay, clipping active (checked at steps 1 and 10)`, async () => {
      const rng = new Rng(n);
      const grads = stepGrads(rng, n, 10, 1e-2);
      const maxGradNorm = 0.5 * Math.min(...norms(grads)); // clips at every step
      expect(ref.clipFactor(norms(grads)[0]! ** 2, maxGradNorm)).toBeLessThan(0.6);
      await runScenario({
        name: `adamw n=${n}`,
        params0: randomNormals(rng, n, 0.5),
        grads,
        hyper: (t) => ({ ...BASE, lr: lrAt(t, 10), weightDecay: 0.1, step: t, maxGradNorm }),
        checkAt: [1, 10],
        gradStd: 1e-2,
      });
    });
  }

  it('n=127: clipping inactive (norm below the max), no weight decay', async () => {
    const rng = new Rng(127_000);
    const grads = stepGrads(rng, 127, 10, 1e-2);
    const maxGradNorm = 10 * Math.max(...norms(grads));
    expect(ref.clipFactor(norms(grads)[0]! ** 2, maxGradNorm)).toBe(1);
    await runScenario({
      name: 'adamw no clip',
      params0: randomNormals(rng, 127, 0.5),
      grads,
      hyper: (t) => ({ ...BASE, lr: lrAt(t, 10), weightDecay: 0, step: t, maxGradNorm }),
      checkAt: [1, 10],
      gradStd: 1e-2,
    });
  });

  for (const maxGradNorm of [0, Infinity]) {
    it(`n=65: maxGradNorm=${maxGradNorm} disables clipping (large gradients reach m and v unscaled)`, async () => {
      const rng = new Rng(65);
      await runScenario({
        name: `adamw maxGradNorm=${maxGradNorm}`,
        params0: randomNormals(rng, 65, 0.5),
        grads: stepGrads(rng, 65, 3, 10),
        hyper: (t) => ({ ...BASE, lr: 1e-3, weightDecay: 0.01, step: t, maxGradNorm }),
        checkAt: [1, 3],
        gradStd: 10,
      });
    });
  }

  it('takes the vec4 entry point when n % 4 == 0 and every view is 16-byte aligned', async () => {
    const device = await testDevice();
    const b = createStorage(device, 'adamw.entry', 4096);
    const at = (offset: number) => ({ buffer: b, offset, size: 1024 });
    expect(adamw(device, at(0), at(1024), at(2048), at(3072), at(0), 256).dispatch.label).toBe('adamw_vec4');
    expect(adamw(device, at(0), at(1024), at(2048), at(3072), at(0), 255).dispatch.label).toBe('adamw');
    b.destroy();
  });

  for (const n of [3_000_017, 3_000_016]) it(`n=${n}: 3 steps, clipping active (threads loop over the capped grid)`, async () => {
    const rng = new Rng(3);
    const grads = stepGrads(rng, n, 3, 1e-2);
    const maxGradNorm = 0.5 * Math.min(...norms(grads));
    await runScenario({
      name: `adamw n=${n}`,
      params0: randomNormals(rng, n, 0.5),
      grads,
      hyper: (t) => ({ ...BASE, lr: lrAt(t, 3), weightDecay: 0.1, step: t, maxGradNorm }),
      checkAt: [1, 3],
      gradStd: 1e-2,
    });
  });

  it('chained after gradNormSquared in one pass (clip factor from the GPU norm, no read-back)', async () => {
    const n = 100_003;
    const rng = new Rng(100_003);
    const grads = stepGrads(rng, n, 4, 1e-2);
    const maxGradNorm = 0.7 * Math.min(...norms(grads));
    await runScenario({
      name: 'gradnorm + adamw',
      params0: randomNormals(rng, n, 0.5),
      grads,
      hyper: (t) => ({ ...BASE, lr: lrAt(t, 4), weightDecay: 0.1, step: t, maxGradNorm }),
      checkAt: [1, 4],
      gradStd: 1e-2,
      gpuNorm: true,
    });
  });

  it('changes nothing before the first setHyper', async () => {
    const n = 63;
    const rng = new Rng(630);
    const [params, m, grads] = [randomNormals(rng, n), randomNormals(rng, n, 1e-2), randomNormals(rng, n)];
    const v = m.map((x) => x * x);
    const same = { atol: 0, rtol: 0 };
    await runKernelCase({
      name: 'adamw idle',
      inputs: { grads, gns: Float32Array.of(1e6) },
      outputs: { params, m, v },
      build: (dev, x) => adamw(dev, { buffer: x.params! }, { buffer: x.grads! }, { buffer: x.m! }, { buffer: x.v! }, { buffer: x.gns! }, n).dispatch,
      expected: { params, m, v },
      tol: same,
    });
  });

  it('setHyper rejects a step < 1 and betas outside [0, 1)', async () => {
    const device = await testDevice();
    const bufs = Array.from({ length: 5 }, (_, i) => createStorage(device, `adamw.dummy${i}`, 4));
    const [p, g, m, v, gns] = bufs.map((buffer) => ({ buffer }));
    const opt = adamw(device, p!, g!, m!, v!, gns!, 1);
    const h: AdamWHyper = { ...BASE, lr: 1e-3, weightDecay: 0, step: 1, maxGradNorm: 1 };
    expect(() => opt.setHyper({ ...h, step: 0 })).toThrow(/step/);
    expect(() => opt.setHyper({ ...h, beta2: 1 })).toThrow(/betas/);
    expect(() => opt.setHyper(h)).not.toThrow();
    bufs.forEach((b) => b.destroy());
  });
});
