/**
 * The "How it works" trace in the worker: tokenizes the request, picks the window the model sees
 * (the block_size tokens ending at the traced position), runs the GPU trace (src/model/trace.ts,
 * on the decoder models.traceDecoder picks: the one that generates, with its weights, reusing the
 * keys and values its cache holds) or,
 * without WebGPU, the float64 one (src/reference/trace.ts), and labels the tokens. Only on request:
 * nothing is captured while the view is closed.
 */
import * as Comlink from 'comlink';
import { EngineError } from '../../errors';
import type { Checkpoint } from '../../model/checkpoint';
import { promptTokens } from '../../model/text-stream';
import type { TraceNumbers } from '../../model/token-trace';
import { traceGpu } from '../../model/trace';
import { refParamsFromFlat } from '../../reference/decode';
import type { RefParams } from '../../reference/gpt';
import { refTrace } from '../../reference/trace';
import type { TokenTrace, TraceRequest } from '../api';
import { traceDecoder, weightsOf, type Loaded } from './models';

/** Tokens after the traced one that the view shows as masked. */
const AFTER = 8;

/** Tokens at each end of the logits' order whose text the trace carries (the view lists 10 and 5). */
const LISTED = 16;

/** Float64 copies of the weights for the CPU trace, made once per checkpoint. */
const refParams = new WeakMap<Checkpoint, RefParams>();

/** `generating`: a generation is using the loaded decoder (the trace then keeps off its cache). */
export async function runTrace(loaded: Loaded, req: TraceRequest, generating = false): Promise<TokenTrace> {
  const t0 = performance.now();
  const { ck, model } = loaded;
  const { tokenizer, config } = ck;
  const input = 'ids' in req ? req.ids : promptTokens(tokenizer, req.text);
  if (input.length === 0) throw new EngineError('BAD_CONFIG', 'There is nothing to trace: type some text first.');
  for (const id of input) {
    if (!Number.isInteger(id) || id < 0 || id >= config.vocab_size) throw new EngineError('BAD_CONFIG', `Token id ${id} is not in this model's vocabulary (0..${config.vocab_size - 1}).`);
  }
  const pos = req.position ?? input.length - 1;
  if (!Number.isInteger(pos) || pos < 0 || pos >= input.length) throw new EngineError('BAD_CONFIG', `Position ${pos} is outside the text (0..${input.length - 1}).`);
  const offset = Math.max(0, pos + 1 - config.block_size);
  const ids = input.slice(offset, pos + 1);
  let numbers: TraceNumbers;
  if (model) {
    numbers = await traceGpu(traceDecoder(loaded, generating), ids);
  } else {
    let p = refParams.get(ck);
    if (!p) refParams.set(ck, (p = refParamsFromFlat(config, ck.params)));
    numbers = refTrace(config, p, ids);
  }
  const label = (id: number) => tokenizer.decode([id]);
  const logits = numbers.logits;
  const order = Uint32Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
  const trace: TokenTrace = {
    ...numbers,
    ids,
    labels: ids.map(label),
    offset,
    after: input.slice(pos + 1, pos + 1 + AFTER).map(label),
    order,
    vocab: Object.fromEntries([...order.subarray(0, LISTED), ...order.subarray(Math.max(0, order.length - LISTED)), ...input.slice(pos + 1, pos + 2)].map((id) => [id, label(id)])),
    tokenizer: tokenizer.kind,
    vocabSize: config.vocab_size,
    weights: weightsOf(loaded),
    ms: performance.now() - t0,
  };
  return Comlink.transfer(trace, [numbers.buffer, order.buffer as ArrayBuffer]);
}
