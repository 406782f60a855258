/**
 * A recorded GPU program: dispatches plus the few buffer operations that live outside a compute
 * pass (clears, copies). Recorded once at load time, encoded every step into ONE command encoder.
 * The program owns what recording made (each dispatch's uniform buffer, kernel scratch) and frees
 * it in destroyOps; the buffers it reads and writes belong to whoever allocated them.
 */
import { destroyDispatch, encodeDispatches, type Buf, type Dispatch } from '../gpu/dispatch';

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

/**
 * Frees what recording `ops` made (see Dispatch.owned); the ops must not be encoded afterwards.
 * Idempotent, so lists that share dispatches may each be destroyed.
 */
export function destroyOps(ops: readonly Op[]): void {
  for (const op of ops) if (isDispatch(op)) destroyDispatch(op);
}
