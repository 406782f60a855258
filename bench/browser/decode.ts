/**
 * Decode throughput in the page, with attention capture on and off: the shipped model through the
 * product's worker (EngineApi.generate, timed here from the arrival of its token events) and the
 * same weights on the page's own device (src/model's Decoder and generate, no worker). Runs of the
 * two paths and both capture settings alternate within each round, the path that goes first
 * between rounds. The timed window runs from
 * the first generated token (the prompt is fed by then) to the last: tokens - 1 tokens.
 */
import { atOnce, streamCall, type Engine } from '../../src/workers/bridge';
import type { GenerationEvent, OnEvent, SamplingSettings } from '../../src/workers/api';
import type { Checkpoint } from '../../src/model/checkpoint';
import { Decoder, generate } from '../../src/model/generate';
import { GPT } from '../../src/model/gpt';
import { promptTokens, TextStream } from '../../src/model/text-stream';
import type { DecodeRow } from './report';
import { log, pairedRatio, Tally, TimedWindow } from './timing';

export interface DecodePlan {
  prompt: string;
  tokens: number;
  rounds: number;
}

const sampling = (tokens: number): SamplingSettings => ({ maxNewTokens: tokens, temperature: 0.8, topK: 0, topP: 1, seed: 1 });

/** One generation through the worker, each event timed as it arrives (atOnce); resolves once every one has (streamCall waits for them). */
async function throughWorker(engine: Engine, plan: DecodePlan, capture: boolean): Promise<{ n: number; ms: number }> {
  const w = new TimedWindow(1, plan.tokens);
  let seen = 0;
  const r = await streamCall(
    (onEvent: OnEvent<GenerationEvent>) => engine.generate(plan.prompt, { ...sampling(plan.tokens), captureAttention: capture }, onEvent),
    (batch) => batch.forEach((e) => e.kind === 'token' && w.see(++seen)),
    atOnce,
  );
  if (r.tokens !== plan.tokens) throw new Error(`the worker generated ${r.tokens} tokens, not ${plan.tokens}`);
  return w.result();
}

/** The same generation on the page's device. */
async function direct(decoder: Decoder, ck: Checkpoint, plan: DecodePlan, capture: boolean): Promise<{ n: number; ms: number }> {
  const w = new TimedWindow(1, plan.tokens);
  const text = new TextStream(ck.tokenizer); // the worker decodes every token for the page too
  let seen = 0;
  for await (const step of generate(decoder, promptTokens(ck.tokenizer, plan.prompt), { ...sampling(plan.tokens), captureAttention: capture })) {
    text.push(step.token);
    w.see(++seen);
  }
  return w.result();
}

export async function decodeCases(engine: Engine, device: GPUDevice, ck: Checkpoint, model: string, plan: DecodePlan): Promise<DecodeRow[]> {
  const gpt = new GPT(device, ck.config);
  let decoder: Decoder | undefined;
  try {
    gpt.setWeights(ck.params);
    decoder = new Decoder(gpt);
    const modes = [false, true];
    // Warm-up: every pipeline of both paths and modes compiled, every buffer touched.
    const warm = { ...plan, tokens: 4 };
    for (const capture of modes) {
      await throughWorker(engine, warm, capture);
      await direct(decoder, ck, warm, capture);
    }
    const tallies = modes.map(() => ({ ours: new Tally(), direct: new Tally() }));
    for (let round = 1; round <= plan.rounds; round++) {
      for (const [i, capture] of modes.entries()) {
        // Which path goes first alternates between rounds, so a load that rises or falls falls on both alike.
        let o: { n: number; ms: number };
        let d: { n: number; ms: number };
        if (round % 2) {
          o = await throughWorker(engine, plan, capture);
          d = await direct(decoder, ck, plan, capture);
        } else {
          d = await direct(decoder, ck, plan, capture);
          o = await throughWorker(engine, plan, capture);
        }
        tallies[i]!.ours.add(o);
        tallies[i]!.direct.add(d);
        log(`decode capture ${capture ? 'on' : 'off'} round ${round}: worker ${((o.n * 1000) / o.ms).toFixed(1)} tokens/s, direct ${((d.n * 1000) / d.ms).toFixed(1)} tokens/s`);
      }
    }
    return modes.map((capture, i) => {
      const { ours, direct: dir } = tallies[i]!;
      return { model, capture, tokens: plan.tokens, rounds: plan.rounds, ours_tokens_per_s: ours.rate(), direct_tokens_per_s: dir.rate(), page_overhead: 1 - pairedRatio(ours, dir) };
    });
  } finally {
    decoder?.destroy();
    gpt.destroy();
  }
}
