/** The worker's trace request on the CPU path (no GPT on the device): tokens, window, order, errors. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertClose } from '../../../test/kernel-case';
import { CONFIG_FILE, decodeCheckpoint, MODEL_FILE, TOKENIZER_FILE } from '../../model/checkpoint';
import { RefDecoder, refParamsFromFlat } from '../../reference/decode';
import { runTrace } from './trace';

describe('trace request, CPU path (float64)', () => {
  const dir = 'public/weights/shakespeare-char';
  const ck = decodeCheckpoint(new Map([MODEL_FILE, CONFIG_FILE, TOKENIZER_FILE].map((f) => [f, new Uint8Array(readFileSync(`${dir}/${f}`))])));
  const loaded = { ck, decoder: new RefDecoder(ck.config, refParamsFromFlat(ck.config, ck.params)), name: 'shipped' };

  it('traces the last token of a text: labels, logits as the CPU decoder gives them, the logits order', async () => {
    const t = await runTrace(loaded, { text: 'ROMEO:\n' });
    expect(t.weights).toBe('cpu');
    expect(t.labels).toEqual(['R', 'O', 'M', 'E', 'O', ':', '\n']);
    expect(t.ids).toEqual(ck.tokenizer.encode('ROMEO:\n'));
    expect(t.offset).toBe(0);
    expect(t.after).toEqual([]);
    expect(t.vocabSize).toBe(65);
    const dec = new RefDecoder(ck.config, refParamsFromFlat(ck.config, ck.params));
    let logits: Float32Array | undefined;
    for (let i = 0; i < t.ids.length; i++) logits = (await dec.step(t.ids[i]!, i)).logits;
    assertClose('traced logits vs the CPU decoder', t.logits, logits!, { atol: 1e-5, rtol: 1e-5 });
    for (let i = 1; i < t.order.length; i++) expect(t.logits[t.order[i - 1]!]!).toBeGreaterThanOrEqual(t.logits[t.order[i]!]!);
    expect(t.vocab[t.order[0]!]).toBe(ck.tokenizer.decode([t.order[0]!]));
    expect(t.blocks).toHaveLength(4);
    expect(t.blocks[3]!.weights).toHaveLength(4 * 7);
  });

  it('a position inside a text longer than the block: the window of block_size tokens ending there, the next tokens masked', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => (i * 7) % 65);
    const t = await runTrace(loaded, { ids, position: 150 });
    expect(t.offset).toBe(150 + 1 - 128);
    expect(t.ids).toEqual(ids.slice(23, 151));
    expect(t.after).toEqual(ids.slice(151, 159).map((id) => ck.tokenizer.decode([id])));
  });

  it('refuses a position outside the text and ids outside the vocabulary', async () => {
    await expect(runTrace(loaded, { ids: [1, 2, 3], position: 3 })).rejects.toMatchObject({ code: 'BAD_CONFIG' });
    await expect(runTrace(loaded, { ids: [1, 65] })).rejects.toMatchObject({ code: 'BAD_CONFIG' });
  });
});
