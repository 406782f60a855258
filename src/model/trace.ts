/**
 * The trace of one position on the GPU, for the "How it works" view: one decode step at `pos`
 * through the decoder's block sequence (GPT.recordBlock), recorded with capture hooks
 * (Decoder.stepTapped, BlockOps.tap) that copy each stage's output into one capture buffer right
 * after the stage writes it. The keys and values of positions 0..pos-1 come from the decoder's KV
 * cache: the rows it already holds for these tokens (the Write tab's text, an earlier trace), the
 * rest filled first (Decoder.fill: a batched prefill, or a few decode steps). So a trace costs one
 * decode step plus the read-back wherever the cache holds the text, at any position.
 *
 * The tapped step is ONE command encoder and ONE submit, capture -> staging in the same encoder,
 * then ONE mapAsync. The capture buffer and the tapped program live for the call only: nothing is
 * captured while the view is closed. The layout is src/model/token-trace.ts's. The earlier
 * positions' keys stay on the GPU: their scores and weights are what the view shows (and what the
 * tests hold against the reference, so a wrong cached key fails them).
 *
 * Letters: n = pos+1 positions, C channels, NH heads, V vocab.
 */
import { createBuffer, createStorage, USAGE } from '../gpu/buffers';
import type { Buf } from '../gpu/dispatch';
import { EngineError } from '../errors';
import { attentionRow } from '../kernels/attention_row';
import type { Decoder } from './generate';
import type { BlockStage } from './gpt';
import type { Op } from './ops';
import { traceLayout, unpackTrace, type TraceNumbers } from './token-trace';

const F = 4; // bytes per float

/**
 * Traces the last of `tokens` (pos = tokens.length - 1) with `decoder` (f32 weights), whose cache
 * is left holding `tokens`. SYNC POINT: one mapAsync.
 */
export async function traceGpu(decoder: Decoder, tokens: readonly number[]): Promise<TraceNumbers> {
  const model = decoder.model;
  const d = model.device;
  const cfg = model.config;
  const { n_embd: C, n_head: NH, vocab_size: V } = cfg;
  const n = tokens.length;
  if (n < 1 || n > cfg.block_size) throw new EngineError('BAD_CONFIG', `a trace needs 1..${cfg.block_size} tokens, got ${n}`);
  for (const t of tokens) if (!Number.isInteger(t) || t < 0 || t >= V) throw new EngineError('BAD_CONFIG', `token id ${t} is outside the vocabulary (0..${V - 1})`);
  if (decoder.weights !== 'f32') throw new Error('a trace reads the f32 weights: give it a decoder of f32 weights');
  const pos = n - 1;
  const lay = traceLayout(cfg, n);
  if (lay.total * F > d.limits.maxStorageBufferBindingSize) {
    throw new EngineError('TOO_LARGE', `the trace of position ${pos} needs ${(lay.total * F / 2 ** 20).toFixed(0)} MiB, more than one storage binding of this adapter; pick an earlier position`);
  }

  decoder.fill(tokens.slice(0, pos)); // the keys and values of the positions before this one

  const cap = createStorage(d, 'trace.capture', lay.total * F);
  const staging = createBuffer(d, { label: 'trace.staging', size: lay.total * F, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  const b = (buffer: GPUBuffer): Buf => ({ buffer });
  /** Copies `floats` floats from float `from` of `src` to float `to` of the capture. */
  const copy = (src: Buf, from: number, to: number, floats: number): Op => ({
    copy: { src: { buffer: src.buffer, offset: (src.offset ?? 0) + from * F }, dst: { buffer: cap, offset: to * F }, bytes: floats * F },
  });
  /** A whole one-row buffer (its first `floats`) into the capture at `to`. */
  const all = (src: GPUBuffer, floats: number, to: number): Op => copy(b(src), 0, to, floats);
  try {
    decoder.stepTapped(
      tokens[pos]!,
      pos,
      {
        // The two rows of this position as they are stored, and their sum.
        embedding: (x0) => [
          copy(model.wte({ lo: 0, hi: V }), tokens[pos]! * C, lay.tokenEmbedding, C),
          copy(model.p('wpe.weight'), pos * C, lay.positionEmbedding, C),
          all(x0, C, lay.embedding),
        ],
        block: (l, stage, x, cache) => {
          const at = lay.blocks[l]!;
          const taps: Record<BlockStage, () => Op[]> = {
            ln_1: () => [all(x.ln1, C, at.ln1), all(x.ln1Mean, 1, at.ln1Mean), all(x.ln1Rstd, 1, at.ln1Rstd)],
            c_attn: () => [all(x.qkv, 3 * C, at.qkv)],
            // After the decode kernel wrote this position's key into row pos of the cache.
            attn: () => [
              attentionRow(d, b(cap), b(x.qkv), b(cache.k), pos, C, NH, { scores: at.scores, weights: at.weights }),
              all(x.atty, C, at.heads),
            ],
            attn_proj: () => [all(x.scratch, C, at.attnOut)],
            attn_resid: () => [all(x.res2, C, at.afterAttn)],
            ln_2: () => [all(x.ln2, C, at.ln2), all(x.ln2Mean, 1, at.ln2Mean), all(x.ln2Rstd, 1, at.ln2Rstd)],
            c_fc: () => [all(x.fch, 4 * C, at.fc), all(x.fchGelu, 4 * C, at.fcGelu)],
            mlp_proj: () => [all(x.scratch, C, at.mlpOut)],
            mlp_resid: () => [all(x.res3, C, at.out)],
          };
          return taps[stage]();
        },
        head: (h) => [all(h.lnf, C, lay.lnf), all(h.lnfMean, 1, lay.lnfMean), all(h.lnfRstd, 1, lay.lnfRstd), all(h.logits, V, lay.logits)],
      },
      (enc) => enc.copyBufferToBuffer(cap, 0, staging, 0, lay.total * F),
    );
    await staging.mapAsync(1 /* GPUMapMode.READ */, 0, lay.total * F); // SYNC POINT: the one read-back
    const data = staging.getMappedRange(0, lay.total * F).slice(0);
    staging.unmap();
    return unpackTrace(data, cfg, n);
  } finally {
    cap.destroy();
    staging.destroy();
  }
}
