/** A recorded program owns what recording made: destroying it returns the GPU byte count to where it was. */
import { describe, expect, it } from 'vitest';
import { createStorage, gpuBytesInUse, readBuffer } from '../gpu/buffers';
import { testDevice } from '../../test/gpu';
import { layernormBackward, layernormForward } from '../kernels/layernorm';
import { matmul } from '../kernels/matmul';
import type { GPTConfig } from './config';
import { GPT } from './gpt';
import { destroyOps, submitOps, type Op } from './ops';

const config: GPTConfig = { n_layer: 2, n_head: 2, n_embd: 32, block_size: 16, vocab_size: 11 };

describe('GPU byte counter', () => {
  it('counts a buffer from creation to its first destroy()', async () => {
    const device = await testDevice();
    const start = gpuBytesInUse(device);
    const a = createStorage(device, 'count.a', 1000);
    const b = createStorage(device, 'count.b', 3); // rounded up to 4
    expect(gpuBytesInUse(device) - start).toBe(1004);
    a.destroy();
    a.destroy(); // a second destroy does not count again
    expect(gpuBytesInUse(device) - start).toBe(4);
    await readBuffer(device, b); // its staging buffer comes and goes
    b.destroy();
    expect(gpuBytesInUse(device)).toBe(start);
  });
});

describe('destroyOps', () => {
  it("frees the dispatches' uniform buffers and the layernorm backward's scratch", async () => {
    const device = await testDevice();
    const N = 300; // two chunks of 256 rows in the layernorm backward's partial sums
    const C = 24;
    const bufs = ['x', 'y', 'dx', 'dy', 'mean', 'rstd', 'w', 'b', 'dw', 'db'].map((l) => createStorage(device, `ops.${l}`, N * C * 4));
    const [x, y, dx, dy, mean, rstd, w, b, dw, db] = bufs.map((buffer) => ({ buffer }));
    const record = (): Op[] => [
      layernormForward(device, y!, mean!, rstd!, x!, w!, b!, N, C),
      ...layernormBackward(device, dx!, dw!, db!, dy!, x!, w!, mean!, rstd!, N, C),
      matmul(device, { out: y!, a: x!, b: w!, M: N, K: C, N: C }),
      { clear: dx! },
    ];
    destroyOps(record()); // per-device caches (pipelines, matmul's placeholder bindings) are made once, here
    const before = gpuBytesInUse(device);
    const ops = record();
    submitOps(device, ops);
    await device.queue.onSubmittedWorkDone();
    // What the dispatches own is what was counted: 5 uniform buffers (16 bytes or more) and the (2, C) vec2 partial sums.
    const owned = ops.flatMap((op) => ('owned' in op ? op.owned : []));
    expect(owned).toHaveLength(6);
    expect(gpuBytesInUse(device) - before).toBe(owned.reduce((sum, buf) => sum + buf.size, 0));
    expect(owned.map((buf) => buf.size)).toContain(2 * C * 8);
    destroyOps(ops);
    expect(gpuBytesInUse(device)).toBe(before);
    destroyOps(ops); // idempotent
    expect(gpuBytesInUse(device)).toBe(before);
    for (const buf of bufs) buf.destroy();
  });

  it("a model's recorded training step, its activations and the model return the counter to where it was", async () => {
    const device = await testDevice();
    const warm = new GPT(device, config, { training: true });
    const warmActs = warm.allocActivations(2, 8, true);
    destroyOps([...warm.recordForward(warmActs, 'train'), ...warm.recordBackward(warmActs)]);
    warm.destroyActivations(warmActs);
    warm.destroy();

    const start = gpuBytesInUse(device);
    const model = new GPT(device, config, { training: true });
    const acts = model.allocActivations(4, 16, true);
    const allocated = gpuBytesInUse(device);
    expect(allocated).toBeGreaterThan(start + 4 * model.layout.totalFloats * 4 - 1); // params, grads, m, v at least
    const ops = [...model.recordForward(acts, 'train'), ...model.recordBackward(acts)];
    expect(gpuBytesInUse(device)).toBeGreaterThan(allocated); // uniforms and scratch
    destroyOps(ops);
    expect(gpuBytesInUse(device)).toBe(allocated);
    model.destroyActivations(acts);
    model.destroy();
    expect(gpuBytesInUse(device)).toBe(start);
  });
});
