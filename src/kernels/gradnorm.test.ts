import { describe, expect, it } from 'vitest';
import { gradNormPartialsSize, gradNormSquared } from './gradnorm';
import * as ref from '../reference/reduce';
import { runKernelCase } from '../../test/kernel-case';
import { Rng, randomNormals } from '../../test/random';

function runCase(n: number, grads: Float32Array) {
  return runKernelCase({
    name: `gradnorm n=${n}`,
    inputs: { grads },
    outputs: { out: 1, partials: gradNormPartialsSize(n) },
    build: (dev, x) => gradNormSquared(dev, { buffer: x.out! }, { buffer: x.partials! }, { buffer: x.grads! }, n),
    expected: { out: [ref.sumSquares(grads.subarray(0, n))] },
    // float32 sums of ~n / 262144 terms per thread, then two 256-way trees: relative error ~1e-6
    tol: { atol: 0, rtol: 1e-5 },
  });
}

describe('gradNormSquared', () => {
  it('partials size is one float per stage-1 workgroup (16384 floats each), capped at 1024', () => {
    expect([0, 1, 16384, 16385, 16384 * 1024, 16384 * 1024 + 1, 1.5e8].map(gradNormPartialsSize)).toEqual([1, 1, 1, 2, 1024, 1024, 1024]);
  });

  // 16385: a second workgroup with one float; 3000017: 184 workgroups, ~64 terms per thread;
  // 16777217: one past 1024 full workgroups. n % 4 == 0 takes the vec4 entry point.
  for (const n of [1, 3, 4, 17, 63, 64, 65, 127, 1000, 16_385, 262_145, 1_048_580, 3_000_016, 3_000_017, 16_777_217]) {
    it(`matches the float64 reference for n=${n}`, async () => {
      await runCase(n, randomNormals(new Rng(n), n, 1e-2));
    });
  }

  it('n=0 gives 0', async () => {
    const got = await runCase(0, new Float32Array(4).fill(1));
    expect(got.out![0]).toBe(0);
  });

  for (const n of [500_009, 500_008]) it(`is deterministic (two runs agree bit for bit, n=${n})`, async () => {
    const grads = randomNormals(new Rng(5), n, 3);
    const a = (await runCase(n, grads)).out![0];
    const b = (await runCase(n, grads)).out![0];
    expect(b).toBe(a);
  });
});
