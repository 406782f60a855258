/**
 * Attention benchmark: the fused forward (online softmax, no T×T) against the plain three-kernel
 * version that materialises probs (B, NH, T, T), side by side on the same device and inputs.
 */
import { attentionForward } from '../src/kernels/attention';
import { kernelChoice } from '../src/kernels/choice';
import { attentionNaive } from './attention-naive';
import { createStorage } from '../src/gpu/buffers';
import { encodeDispatches, type Dispatch } from '../src/gpu/dispatch';

import type { BenchResult } from './harness';

export type { BenchResult };

interface Shape {
  name: string;
  B: number;
  T: number;
  C: number;
  NH: number;
}

const SHAPES: Shape[] = [
  { name: 'attention fwd tiny-GPT B=12 T=64 C=128 NH=4', B: 12, T: 64, C: 128, NH: 4 },
  // GPT-2 small's heads (HS=64) at a length a software adapter runs in seconds.
  { name: 'attention fwd GPT-2 B=1 T=512 C=768 NH=12', B: 1, T: 512, C: 768, NH: 12 },
];

/** Nominal FLOPs of causal attention: q·k and p·v (2·HS each) for the T(T+1)/2 visible pairs per head. */
function attentionFlops({ B, T, C }: Shape): number {
  return 2 * B * C * T * (T + 1); // = B·NH · T(T+1)/2 · 4·HS
}

async function runOnce(device: GPUDevice, ds: Dispatch[], iters: number): Promise<number> {
  const t0 = performance.now();
  const enc = device.createCommandEncoder({ label: 'bench' });
  const pass = enc.beginComputePass();
  for (let i = 0; i < iters; i++) encodeDispatches(pass, ds);
  pass.end();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/** Iterations per repeat so that one repeat takes about targetMs (after a warm-up that compiles). */
async function itersFor(device: GPUDevice, ds: Dispatch[], targetMs: number): Promise<number> {
  await runOnce(device, ds, 1);
  const one = await runOnce(device, ds, 1);
  return Math.max(1, Math.min(100, Math.round(targetMs / Math.max(one, 0.01))));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Median ms per iteration of `a` and `b`. Repeats alternate between the two so that load from
 * other processes (a shared CPU, for a software adapter) falls on both alike.
 */
async function timePairMs(device: GPUDevice, a: Dispatch[], b: Dispatch[], repeats = 5, targetMs = 250): Promise<[number, number]> {
  const [ia, ib] = [await itersFor(device, a, targetMs), await itersFor(device, b, targetMs)];
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < repeats; r++) {
    ta.push((await runOnce(device, a, ia)) / ia);
    tb.push((await runOnce(device, b, ib)) / ib);
  }
  return [median(ta), median(tb)];
}

export async function attentionCases(device: GPUDevice): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const s of SHAPES) {
    const { B, T, C, NH } = s;
    const made: GPUBuffer[] = [];
    const buf = (label: string, floats: number) => {
      const b = createStorage(device, label, floats * 4);
      made.push(b);
      return b;
    };
    try {
      const qkv = buf('qkv', B * T * 3 * C);
      // Deterministic pseudo-random inputs (scores of order 1, like a trained model's).
      const data = new Float32Array(B * T * 3 * C);
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 1.5;
      device.queue.writeBuffer(qkv, 0, data);
      const ours = attentionForward(device, { buffer: buf('out', B * T * C) }, { buffer: buf('lse', B * NH * T) }, { buffer: qkv }, B, T, C, NH, { variant: kernelChoice(device).attention });
      const peer = attentionNaive(device, { buffer: buf('out2', B * T * C) }, { buffer: buf('probs', B * NH * T * T) }, { buffer: qkv }, B, T, C, NH);
      const [ours_ms, peer_ms] = await timePairMs(device, ours, peer);
      const gflop = attentionFlops(s) / 1e9;
      const ours_gflops = gflop / (ours_ms / 1e3);
      const peer_gflops = gflop / (peer_ms / 1e3);
      // Which forward kernel ran (the tuned choice, src/kernels/tune.ts), from its label.
      const variant = ({ attention_forward_sg: 'subgroups', attention_forward_tiled: 'tiled' } as Record<string, string>)[ours[0]!.label] ?? 'plain';
      results.push({ name: s.name, ours_gflops, peer_gflops, ratio: ours_gflops / peer_gflops, ours_ms, peer_ms, peer: 'three-kernel', variant });
    } finally {
      for (const b of made) b.destroy();
    }
  }
  return results;
}
