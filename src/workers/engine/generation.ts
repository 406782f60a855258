/** Generation in the worker: streams tokens (and attention rows) of the loaded model. */
import { Decoder, generate } from '../../model/generate';
import { promptTokens, TextStream } from '../../model/text-stream';
import type { Tokenizer } from '../../model/tokenizer';
import type { SamplingSettings, TokenEvent } from '../api';

export interface GenerateRequest {
  decoder: Decoder;
  tokenizer: Tokenizer;
  prompt: string;
  opts: SamplingSettings & { captureAttention: boolean };
  signal: AbortSignal;
  onToken: (t: TokenEvent) => void;
  onPromptAttention?: (rows: Float32Array[][], promptTokens: string[]) => void;
}

export async function runGeneration(r: GenerateRequest): Promise<{ tokens: number; ms: number }> {
  const ids = promptTokens(r.tokenizer, r.prompt);
  const shownPrompt = ids.slice(-r.decoder.maxT);
  const stream = new TextStream(r.tokenizer);
  const t0 = performance.now();
  let n = 0;
  const onPrompt = (a: { rows: Float32Array[][] }) => r.onPromptAttention?.(a.rows, shownPrompt.map((id) => r.tokenizer.decode([id])));
  for await (const step of generate(r.decoder, ids, { ...r.opts, signal: r.signal }, onPrompt)) {
    n++;
    r.onToken({ text: stream.push(step.token), token: step.token, attention: step.attention });
  }
  return { tokens: n, ms: performance.now() - t0 };
}

/** A short sample from a model being trained (at each evaluation): fixed seed, so samples compare across steps. */
export async function sampleText(decoder: Decoder, tokenizer: Tokenizer, chars: number, signal?: AbortSignal): Promise<string> {
  const stream = new TextStream(tokenizer);
  const maxNewTokens = tokenizer.kind === 'char' ? chars : Math.ceil(chars / 4);
  for await (const step of generate(decoder, promptTokens(tokenizer, '\n'), { maxNewTokens, temperature: 0.8, topK: 0, topP: 1, seed: 1, signal })) stream.push(step.token);
  return stream.text;
}
