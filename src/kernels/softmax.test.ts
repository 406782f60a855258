import { describe, expect, it } from 'vitest';
import { rowWorkgroupSize, softmaxForward } from './softmax';
import * as ref from '../reference/softmax';
import { runKernelCase } from '../../test/kernel-case';
import { Rng, randomFloats } from '../../test/random';

async function check(name: string, inp: Float32Array, rows: number, cols: number) {
  const got = await runKernelCase({
    name,
    inputs: { inp },
    outputs: { out: rows * cols },
    build: (dev, x) => softmaxForward(dev, { buffer: x.out! }, { buffer: x.inp! }, rows, cols),
    expected: { out: ref.softmaxForward(inp, rows, cols) },
    tol: { atol: 1e-6, rtol: 1e-5 },
  });
  // Every row is a distribution: no NaN, sums to 1.
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += got.out![r * cols + c]!;
    expect(Math.abs(s - 1), `${name}: row ${r} sums to ${s}`).toBeLessThan(1e-5);
  }
}

describe('softmax forward', () => {
  const sizes: [number, number][] = [
    [1, 1], [1, 3], [3, 17], [17, 63], [5, 65], [4, 127], [2, 256], [3, 1000], [2, 50257],
  ];
  for (const [rows, cols] of sizes) {
    it(`matches the reference for rows=${rows} cols=${cols}`, async () => {
      const rng = new Rng(rows * 1000 + cols);
      await check(`softmax ${rows}x${cols}`, randomFloats(rng, rows * cols, -8, 8), rows, cols);
    });
  }

  it('does not overflow on large logits (~1e4, and of both signs)', async () => {
    const rows = 4;
    const cols = 65;
    const rng = new Rng(7);
    const inp = new Float32Array(rows * cols);
    for (let i = 0; i < inp.length; i++) {
      const r = Math.floor(i / cols);
      // Row 0 around +1e4, row 1 around -1e4, row 2 one dominant logit, row 3 all equal.
      inp[i] = r === 0 ? 1e4 + rng.uniform(-5, 5) : r === 1 ? -1e4 + rng.uniform(-5, 5) : r === 2 ? (i % cols === 40 ? 3e4 : -3e4) : 1e4;
    }
    await check('softmax large', inp, rows, cols);
  });

  it('folds more than 65535 rows into a 2-D grid', async () => {
    const rows = 65537;
    const cols = 3;
    await check('softmax fold', randomFloats(new Rng(3), rows * cols, -4, 4), rows, cols);
  });

  it('picks power-of-two workgroups between 32 and 256', () => {
    expect([1, 32, 33, 100, 256, 5000].map(rowWorkgroupSize)).toEqual([32, 32, 64, 128, 256, 256]);
  });
});
