/**
 * A recorded GPU program: dispatches plus the few buffer operations that live outside a compute
 * pass (clears, copies). Recorded once at load time, encoded every step into ONE command encoder.
 */
import { encodeDispatches, type Buf, type Dispatch } from '../gpu/dispatch';

export type Op = Dispatch | { clear: Buf } | { copy: { src: Buf; dst: Buf; bytes: number } };

function isDispatch(op: Op): op is Dispatch {
  return 'pipeline' in op;
}

/** Encodes ops in order: consecutive dispatches share one compute pass; clears/copies go between passes. */
export function encodeOps(encoder: GPUCommandEncoder, ops: readonly Op[], label = 'ops'): void {
  let run: Dispatch[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const pass = encoder.beginComputePass({ label });
    encodeDispatches(pass, run);
    pass.end();
    run = [];
  };
  for (const op of ops) {
    if (isDispatch(op)) {
      run.push(op);
    } else if ('clear' in op) {
      flush();
      encoder.clearBuffer(op.clear.buffer, op.clear.offset ?? 0, op.clear.size);
    } else {
      flush();
      encoder.copyBufferToBuffer(op.copy.src.buffer, op.copy.src.offset ?? 0, op.copy.dst.buffer, op.copy.dst.offset ?? 0, op.copy.bytes);
    }
  }
  flush();
}

/** Encodes and submits `ops` as one command buffer. */
export function submitOps(device: GPUDevice, ops: readonly Op[], label = 'ops'): void {
  const encoder = device.createCommandEncoder({ label });
  encodeOps(encoder, ops, label);
  device.queue.submit([encoder.finish()]);
}
