/** Generation in the worker: streams tokens (and attention rows) of the loaded model. */
import * as Comlink from 'comlink';
import { generate, type TokenDecoder, type PositionTrace as ModelTrace } from '../../model/generate';
import { promptTokens, TextStream } from '../../model/text-stream';
import type { Tokenizer } from '../../model/tokenizer';
import type { PositionTrace, PromptTrace, SamplingSettings, TokenEvent } from '../api';

export interface GenerateRequest {
  decoder: TokenDecoder;
  tokenizer: Tokenizer;
  prompt: string;
  opts: SamplingSettings & { captureAttention: boolean };
  signal: AbortSignal;
  onToken: (t: TokenEvent) => void;
  onPromptAttention?: (p: PromptTrace) => void;
}

/** A position's trace as it crosses to the UI: candidates get their texts; the buffer is transferred, not copied. */
function crossing(t: ModelTrace, tokenizer: Tokenizer): PositionTrace {
  const c = t.candidates;
  return { attention: t.attention, candidates: c && { ids: c.ids, probs: c.probs, texts: Array.from(c.ids, (id) => tokenizer.decode([id])) } };
}

export async function runGeneration(r: GenerateRequest): Promise<{ tokens: number; ms: number }> {
  const ids = promptTokens(r.tokenizer, r.prompt);
  const shownPrompt = ids.slice(-r.decoder.maxT);
  const stream = new TextStream(r.tokenizer);
  const t0 = performance.now();
  let n = 0;
  const onPrompt = (a: { positions: ModelTrace[] }) => {
    const trace: PromptTrace = { ids: shownPrompt, labels: shownPrompt.map((id) => r.tokenizer.decode([id])), positions: a.positions.map((t) => crossing(t, r.tokenizer)) };
    r.onPromptAttention?.(Comlink.transfer(trace, a.positions.flatMap((t) => (t.captured ? [t.captured] : []))));
  };
  for await (const step of generate(r.decoder, ids, { ...r.opts, signal: r.signal }, onPrompt)) {
    n++;
    const ev: TokenEvent = { text: stream.push(step.token), label: r.tokenizer.decode([step.token]), token: step.token, ...crossing(step, r.tokenizer) };
    r.onToken(step.captured ? Comlink.transfer(ev, [step.captured]) : ev);
  }
  return { tokens: n, ms: performance.now() - t0 };
}
