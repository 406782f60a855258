/**
 * Deterministic evaluation over a token sequence: every non-overlapping window of T+1 tokens
 * (inputs t..t+T-1, targets t+1..t+T), B windows per submit; the mean of the window losses.
 */
import { Readback, writeArray } from '../gpu/buffers';
import { EngineError } from '../errors';
import type { Activations, GPT } from './gpt';
import { destroyOps, submitOps, type Op } from './ops';

export async function evaluateTokens(model: GPT, tokens: Uint32Array, B = 8, T = model.config.block_size): Promise<{ loss: number; windows: number }> {
  const windows = Math.floor((tokens.length - 1) / T);
  if (windows < 1) throw new EngineError('BAD_CORPUS', `Evaluation needs at least ${T + 1} tokens; the text has ${tokens.length}.`);
  const d = model.device;
  // Buffers and programs for a full batch and, if the count does not divide, one smaller tail batch.
  const programs = new Map<number, { acts: Activations; ops: Op[] }>();
  const program = (b: number) => {
    let p = programs.get(b);
    if (!p) {
      const acts = model.allocActivations(b, T, false);
      p = { acts, ops: model.recordForward(acts, 'eval') };
      programs.set(b, p);
    }
    return p;
  };
  let sum = 0;
  const readback = new Readback(d, 4, 'evaluate.readback');
  try {
    for (let w0 = 0; w0 < windows; w0 += B) {
      const b = Math.min(B, windows - w0);
      const { acts, ops } = program(b);
      const x = new Uint32Array(b * T);
      const y = new Uint32Array(b * T);
      for (let i = 0; i < b; i++) {
        const start = (w0 + i) * T;
        x.set(tokens.subarray(start, start + T), i * T);
        y.set(tokens.subarray(start + 1, start + T + 1), i * T);
      }
      writeArray(d, acts.tokens, 0, x);
      writeArray(d, acts.targets, 0, y);
      submitOps(d, ops, 'evaluate');
      sum += (await readback.floats(acts.loss, 0, 1))[0]! * b; // the batch mean covers b windows
    }
  } finally {
    for (const p of programs.values()) {
      destroyOps(p.ops);
      model.destroyActivations(p.acts);
    }
    readback.destroy();
  }
  return { loss: sum / windows, windows };
}
