/**
 * The worker's traces: a generation streams numbered events (the prompt's trace, then tokens) and
 * counts them in its result; the training probe's trace of a text has the same shape and values as
 * a generation's trace of the same tokens (one type, positions-major).
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../../../test/gpu';
import type { GPTConfig } from '../../model/config';
import { Decoder } from '../../model/generate';
import { GPT } from '../../model/gpt';
import { initParams } from '../../model/params';
import { CharTokenizer } from '../../model/tokenizer';
import type { GenerationEvent } from '../api';
import { runGeneration, traceTokens } from './generation';

const tokenizer = CharTokenizer.fromCorpus('ROMEO: what light through yonder');
const config: GPTConfig = { n_layer: 2, n_head: 3, n_embd: 24, block_size: 16, vocab_size: tokenizer.vocabSize };
const NH = config.n_head;

async function tinyDecoder(): Promise<Decoder> {
  const model = new GPT(await testDevice(), config);
  model.setWeights(initParams(config, model.layout, 7));
  return new Decoder(model);
}

describe('worker traces', () => {
  it('a generation numbers its events 0..n-1, the prompt trace first, and its result counts them', async () => {
    const decoder = await tinyDecoder();
    const events: { e: GenerationEvent; seq: number }[] = [];
    const prompt = 'ROMEO:';
    const opts = { maxNewTokens: 5, temperature: 0.8, topK: 0, topP: 1, seed: 3, captureAttention: true };
    const res = await runGeneration({ decoder, tokenizer, prompt, opts, signal: new AbortController().signal, onEvent: (e, seq) => events.push({ e, seq }) });
    expect(events.map((x) => x.seq)).toEqual(events.map((_, i) => i));
    expect(res.events).toBe(events.length);
    expect(res.tokens).toBe(5);
    const [first, ...tokens] = events.map((x) => x.e);
    if (first?.kind !== 'prompt') throw new Error(`the first event is ${first?.kind}, not the prompt's trace`);
    const T = prompt.length;
    expect(first.prompt.ids).toEqual(tokenizer.encode(prompt));
    expect(first.prompt.labels).toEqual([...prompt]);
    expect(first.prompt.positions).toHaveLength(T - 1); // position T-1 comes with the first token
    first.prompt.positions.forEach((p, i) => {
      expect(p.attention).toHaveLength(config.n_layer);
      for (const row of p.attention!) expect(row, `prompt position ${i}`).toHaveLength(NH * (i + 1));
    });
    expect(tokens.map((e) => e.kind)).toEqual(Array(5).fill('token'));
    tokens.forEach((e, k) => {
      if (e.kind !== 'token') return;
      for (const row of e.trace!.attention!) expect(row, `token ${k}`).toHaveLength(NH * (T + k)); // the position before it: T-1+k
      expect(e.trace!.candidates!.texts).toHaveLength(e.trace!.candidates!.ids.length);
    });
    decoder.destroy();
    decoder.model.destroy();
  });

  it("the probe's trace of a text equals a generation's trace of the same tokens, position by position", async () => {
    const decoder = await tinyDecoder();
    const text = 'what light'; // shorter than the block: the prompt is not cropped
    const ids = tokenizer.encode(text);
    let prompt: GenerationEvent | undefined;
    const opts = { maxNewTokens: 1, temperature: 1, topK: 0, topP: 1, seed: 1, captureAttention: true };
    await runGeneration({ decoder, tokenizer, prompt: text, opts, signal: new AbortController().signal, onEvent: (e) => (prompt ??= e) });
    const probe = await traceTokens(decoder, ids, tokenizer);
    expect(probe.ids).toEqual(ids);
    expect(probe.labels).toEqual([...text]);
    expect(probe.positions).toHaveLength(ids.length); // every position: nothing is generated after it
    if (prompt?.kind !== 'prompt') throw new Error('no prompt trace');
    prompt.prompt.positions.forEach((p, i) => {
      for (let l = 0; l < config.n_layer; l++) expect(Array.from(probe.positions[i]!.attention![l]!), `position ${i} layer ${l}`).toEqual(Array.from(p.attention![l]!));
    });
    for (const [i, p] of probe.positions.entries()) for (const row of p.attention!) expect(row, `probe position ${i}`).toHaveLength(NH * (i + 1));
    decoder.destroy();
    decoder.model.destroy();
  });
});
