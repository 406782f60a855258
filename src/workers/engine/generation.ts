/** Generation in the worker: streams tokens (and the trace of every position) of the loaded model. */
import * as Comlink from 'comlink';
import { generate, type Capture, type Decoder, type TokenDecoder } from '../../model/generate';
import { promptTokens, TextStream } from '../../model/text-stream';
import type { Tokenizer } from '../../model/tokenizer';
import type { GenerationEvent, GenerationResult, OnEvent, PositionTrace, SamplingSettings, Trace } from '../api';
import { eventStream } from './stream';

export interface GenerateRequest {
  decoder: TokenDecoder;
  tokenizer: Tokenizer;
  prompt: string;
  opts: SamplingSettings & { captureAttention: boolean };
  signal: AbortSignal;
  onEvent: OnEvent<GenerationEvent>;
}

/** A position's capture as it crosses to the UI: candidates get their texts; the buffer is transferred, not copied. */
function positionTrace(t: Capture, tokenizer: Tokenizer): PositionTrace | undefined {
  const c = t.candidates;
  if (!t.attention && !c) return undefined;
  return { attention: t.attention, candidates: c && { ids: c.ids, probs: c.probs, texts: Array.from(c.ids, (id) => tokenizer.decode([id])) } };
}

/** The buffers behind captures, to transfer with the event that carries them. */
const buffers = (ts: Capture[]): ArrayBuffer[] => ts.flatMap((t) => (t.captured ? [t.captured] : []));

/** Every position's trace (ids, labels and positions, positions-major). */
function trace(ids: number[], captures: Capture[], tokenizer: Tokenizer): Trace {
  return { ids, labels: ids.map((id) => tokenizer.decode([id])), positions: captures.map((t) => positionTrace(t, tokenizer) ?? {}) };
}

export async function runGeneration(r: GenerateRequest): Promise<GenerationResult> {
  const ids = promptTokens(r.tokenizer, r.prompt);
  const shownPrompt = ids.slice(-r.decoder.maxT);
  const stream = eventStream(r.onEvent);
  const text = new TextStream(r.tokenizer);
  const t0 = performance.now();
  let n = 0;
  const onPrompt = (a: { positions: Capture[] }) => stream.emit(Comlink.transfer({ kind: 'prompt', prompt: trace(shownPrompt, a.positions, r.tokenizer) }, buffers(a.positions)));
  for await (const step of generate(r.decoder, ids, { ...r.opts, signal: r.signal }, onPrompt)) {
    n++;
    const ev: GenerationEvent = { kind: 'token', text: text.push(step.token), label: r.tokenizer.decode([step.token]), token: step.token, trace: positionTrace(step, r.tokenizer) };
    stream.emit(Comlink.transfer(ev, buffers([step])));
  }
  return { tokens: n, ms: performance.now() - t0, events: stream.sent };
}

/**
 * The trace of every position of `ids` through a fresh cache, one decode step each: the training
 * probe (the attention of a fixed text at each evaluation).
 */
export async function traceTokens(decoder: Decoder, ids: number[], tokenizer: Tokenizer): Promise<Trace> {
  const captures: Capture[] = [];
  for (let pos = 0; pos < ids.length; pos++) captures.push(await decoder.step(ids[pos]!, pos, { capture: true }));
  return trace(ids, captures, tokenizer);
}
