/**
 * The trace of one position on the GPU, for the "How it works" view: a B = 1 forward over the
 * tokens 0..pos through the same block sequence as training and generation (GPT.recordBlock), with
 * a capture hook (BlockOps.tap) that copies the row `pos` of each stage's output into one capture
 * buffer right after the stage writes it. The whole trace is ONE command encoder, ONE submit and
 * ONE read-back (capture -> staging in the same encoder, then one mapAsync).
 *
 * Nothing is recorded or kept between calls: the buffers of a trace live for that call only, so
 * nothing is captured while the view is closed. The layout is src/model/token-trace.ts's.
 *
 * Letters: T = pos+1 rows, C channels, NH heads, V vocab.
 */
import { createBuffer, createStorage, USAGE } from '../gpu/buffers';
import type { Buf } from '../gpu/dispatch';
import { EngineError } from '../errors';
import { attentionForward } from '../kernels/attention';
import { attentionRow } from '../kernels/attention_row';
import { encoderForward } from '../kernels/encoder';
import { residualForward } from '../kernels/residual';
import type { BlockStage, GPT } from './gpt';
import { destroyOps, encodeOps, type Op } from './ops';
import { traceLayout, unpackTrace, type TraceNumbers } from './token-trace';

const F = 4; // bytes per float

/**
 * Traces the last of `tokens` (pos = tokens.length - 1) through `model`.
 * SYNC POINT: one mapAsync.
 */
export async function traceGpu(model: GPT, tokens: readonly number[]): Promise<TraceNumbers> {
  const d = model.device;
  const cfg = model.config;
  const { n_layer: L, n_embd: C, n_head: NH, vocab_size: V } = cfg;
  const T = tokens.length;
  if (T < 1 || T > cfg.block_size) throw new EngineError('BAD_CONFIG', `a trace needs 1..${cfg.block_size} tokens, got ${T}`);
  for (const t of tokens) if (!Number.isInteger(t) || t < 0 || t >= V) throw new EngineError('BAD_CONFIG', `token id ${t} is outside the vocabulary (0..${V - 1})`);
  const pos = T - 1;
  const lay = traceLayout(cfg, T);
  if (lay.total * F > d.limits.maxStorageBufferBindingSize) {
    throw new EngineError('TOO_LARGE', `the trace of position ${pos} needs ${(lay.total * F / 2 ** 20).toFixed(0)} MiB, more than one storage binding of this adapter; pick an earlier position`);
  }

  const bufs: GPUBuffer[] = [];
  const mk = (label: string, floats: number) => {
    const buf = createStorage(d, `trace.${label}`, floats * F);
    bufs.push(buf);
    return buf;
  };
  const b = (buffer: GPUBuffer): Buf => ({ buffer });
  const cap = mk('capture', lay.total);
  const staging = createBuffer(d, { label: 'trace.staging', size: lay.total * F, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  bufs.push(staging);
  /** Copies `floats` floats from float `from` of `src` to float `to` of the capture. */
  const copy = (src: Buf, from: number, to: number, floats: number): Op => ({
    copy: { src: { buffer: src.buffer, offset: (src.offset ?? 0) + from * F }, dst: { buffer: cap, offset: to * F }, bytes: floats * F },
  });
  /** Row `pos` of a (T, width) buffer into the capture at `to`. */
  const row = (src: GPUBuffer, width: number, to: number): Op => copy(b(src), pos * width, to, width);

  // Activations of the T rows, shared by every block: each stage's row is copied out before the
  // next block overwrites it. res3 alternates so a block's output never aliases its input.
  const tokensBuf = mk('tokens', T);
  d.queue.writeBuffer(tokensBuf, 0, new Uint32Array(tokens));
  const encoded = mk('encoded', T * C);
  const ln1 = mk('ln1', T * C), ln1Mean = mk('ln1.mean', T), ln1Rstd = mk('ln1.rstd', T);
  const ln2 = mk('ln2', T * C), ln2Mean = mk('ln2.mean', T), ln2Rstd = mk('ln2.rstd', T);
  const qkv = mk('qkv', T * 3 * C), atty = mk('atty', T * C), lse = mk('lse', NH * T), scratch = mk('scratch', T * C);
  const res2 = mk('res2', T * C), fch = mk('fch', T * 4 * C), fchGelu = mk('fch_gelu', T * 4 * C);
  const res3 = [mk('res3.a', T * C), mk('res3.b', T * C)];
  const last = mk('last', C), lnf = mk('lnf', C), lnfMean = mk('lnf.mean', 1), lnfRstd = mk('lnf.rstd', 1), logits = mk('logits', V);

  const ops: Op[] = [];
  // Embedding: x = wte[token] + wpe[t] for every row; the two rows of this position as they are stored.
  for (const r of model.wteChunks) ops.push(encoderForward(d, b(encoded), b(tokensBuf), model.wte(r), model.p('wpe.weight'), 1, T, C, r));
  ops.push(copy(model.wte({ lo: 0, hi: V }), tokens[pos]! * C, lay.tokenEmbedding, C));
  ops.push(copy(model.p('wpe.weight'), pos * C, lay.positionEmbedding, C));
  ops.push(row(encoded, C, lay.embedding));

  let input = encoded;
  for (let l = 0; l < L; l++) {
    const at = lay.blocks[l]!;
    const out = res3[l % 2]!;
    const taps: Record<BlockStage, () => Op[]> = {
      ln_1: () => [row(ln1, C, at.ln1), row(ln1Mean, 1, at.ln1Mean), row(ln1Rstd, 1, at.ln1Rstd)],
      c_attn: () => [row(qkv, 3 * C, at.qkv), attentionRow(d, b(cap), b(qkv), pos, C, NH, { scores: at.scores, weights: at.weights, keys: at.keys })],
      attn: () => [row(atty, C, at.heads)],
      attn_proj: () => [row(scratch, C, at.attnOut)],
      attn_resid: () => [row(res2, C, at.afterAttn)],
      ln_2: () => [row(ln2, C, at.ln2), row(ln2Mean, 1, at.ln2Mean), row(ln2Rstd, 1, at.ln2Rstd)],
      c_fc: () => [row(fch, 4 * C, at.fc), row(fchGelu, 4 * C, at.fcGelu)],
      mlp_proj: () => [row(scratch, C, at.mlpOut)],
      mlp_resid: () => [row(out, C, at.out)],
    };
    const x = { input, ln1, ln1Mean, ln1Rstd, qkv, atty, lse, scratch, res2, ln2, ln2Mean, ln2Rstd, fch, fchGelu, res3: out };
    ops.push(
      ...model.recordBlock(l, x, T, {
        attention: (q, y, s) => attentionForward(d, y, s!, q, 1, T, C, NH),
        residual: (o, inp, branch) => residualForward(d, o, inp, branch, T * C),
        tap: (stage) => taps[stage](),
      }),
    );
    input = out;
  }
  // The head on this row alone: ln_f is per row, and the other rows' logits are not needed.
  ops.push({ copy: { src: { buffer: input, offset: pos * C * F }, dst: { buffer: last }, bytes: C * F } });
  ops.push(...model.recordHead({ input: last, lnf, lnfMean, lnfRstd, logits }, 1));
  ops.push(copy(b(lnf), 0, lay.lnf, C), copy(b(lnfMean), 0, lay.lnfMean, 1), copy(b(lnfRstd), 0, lay.lnfRstd, 1), copy(b(logits), 0, lay.logits, V));

  try {
    const enc = d.createCommandEncoder({ label: 'trace' });
    encodeOps(enc, ops, 'trace');
    enc.copyBufferToBuffer(cap, 0, staging, 0, lay.total * F);
    d.queue.submit([enc.finish()]);
    await staging.mapAsync(1 /* GPUMapMode.READ */, 0, lay.total * F); // SYNC POINT: the one read-back
    const data = staging.getMappedRange(0, lay.total * F).slice(0);
    staging.unmap();
    return unpackTrace(data, cfg, T);
  } finally {
    destroyOps(ops);
    for (const buf of bufs) buf.destroy();
  }
}
