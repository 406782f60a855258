/**
 * One-line kernel tests: upload seeded inputs, run the kernel inside a validation error scope,
 * read the outputs back and compare them with the CPU reference under explicit tolerances.
 */
import { encodeDispatches, type Dispatch } from '../src/gpu/dispatch';
import { readBuffer, uploadBuffer } from '../src/gpu/buffers';
import { testDevice } from './gpu';

export interface Tol {
  /** |gpu - ref| <= atol + rtol * |ref| must hold at every index. */
  atol: number;
  rtol: number;
}

type Data = Float32Array | Uint32Array | Int32Array;

export interface KernelCase {
  name: string;
  inputs: Record<string, Data>;
  /** Output buffers: a float count (zero-filled) or initial contents (for kernels that accumulate). */
  outputs: Record<string, number | Data>;
  build: (device: GPUDevice, bufs: Record<string, GPUBuffer>) => Dispatch | Dispatch[];
  /** Expected contents of (some of) the outputs. */
  expected: Record<string, ArrayLike<number>>;
  tol: Tol | Record<string, Tol>;
}

export async function runKernelCase(c: KernelCase): Promise<Record<string, Float32Array>> {
  const device = await testDevice();
  const bufs: Record<string, GPUBuffer> = {};
  const made: GPUBuffer[] = [];
  try {
    for (const [k, v] of Object.entries(c.inputs)) made.push((bufs[k] = uploadBuffer(device, `${c.name}.${k}`, v)));
    for (const [k, v] of Object.entries(c.outputs)) {
      const init = typeof v === 'number' ? new Float32Array(v) : v;
      made.push((bufs[k] = uploadBuffer(device, `${c.name}.${k}`, init)));
    }
    device.pushErrorScope('validation');
    const ds = c.build(device, bufs);
    const enc = device.createCommandEncoder({ label: c.name });
    const pass = enc.beginComputePass({ label: c.name });
    encodeDispatches(pass, Array.isArray(ds) ? ds : [ds]);
    pass.end();
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    if (err) throw new Error(`${c.name}: WebGPU validation error: ${err.message}`);
    const got: Record<string, Float32Array> = {};
    for (const [k, want] of Object.entries(c.expected)) {
      if (!bufs[k]) throw new Error(`${c.name}: expected output '${k}' is not a buffer of the case`);
      got[k] = new Float32Array(await readBuffer(device, bufs[k]));
      const tol = 'atol' in c.tol ? (c.tol as Tol) : (c.tol as Record<string, Tol>)[k];
      if (!tol) throw new Error(`${c.name}: no tolerance for '${k}'`);
      assertClose(`${c.name}: ${k}`, got[k], want, tol);
    }
    return got;
  } finally {
    for (const b of made) b.destroy();
  }
}

/** Throws naming the worst index, both values and how many elements are off. */
export function assertClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tol): void {
  if (actual.length < expected.length) throw new Error(`${what}: got ${actual.length} values, expected ${expected.length}`);
  let bad = 0;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const allowed = tol.atol + tol.rtol * Math.abs(e);
    const diff = Math.abs(a - e);
    if (!(diff <= allowed)) {
      bad++;
      const excess = Number.isNaN(diff) ? Infinity : diff - allowed;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (bad > 0) {
    const a = actual[worst]!;
    const e = expected[worst]!;
    throw new Error(
      `${what}: ${bad} of ${expected.length} values off; worst at [${worst}]: got ${a}, reference ${e} ` +
        `(|diff| ${Math.abs(a - e).toExponential(3)} > atol ${tol.atol} + rtol ${tol.rtol}·|ref|)`,
    );
  }
}
