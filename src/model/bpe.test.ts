import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engineError } from '../../test/engine-error';
import { EngineError } from '../errors';
import { countWords, learnBpe, safeCuts, splitWords, type BpeProgress } from './bpe';
import { BpeTokenizer, tokenizerFromJSON } from './tokenizer';

/**
 * The trainer written the slow, obvious way: every merge recounts every pair of every word from
 * scratch (integer counts), picks the largest count (ties: smaller left id, then smaller right id),
 * and rewrites every word. The fast trainer must learn exactly these merges.
 */
function referenceMerges(text: string, vocabSize: number): [number, number][] {
  const freq = new Map<string, number>();
  for (const w of splitWords(text)) freq.set(w, (freq.get(w) ?? 0) + 1);
  const words = [...freq].map(([w, n]) => ({ ids: [...new TextEncoder().encode(w)], n }));
  const tokens: string[] = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b));
  const merges: [number, number][] = [];
  while (tokens.length < vocabSize) {
    const counts = new Map<string, number>();
    for (const { ids, n } of words) for (let i = 0; i + 1 < ids.length; i++) counts.set(`${ids[i]},${ids[i + 1]}`, (counts.get(`${ids[i]},${ids[i + 1]}`) ?? 0) + n);
    let best: [number, number] | undefined;
    let bestCount = 0;
    for (const [k, c] of counts) {
      const [a, b] = k.split(',').map(Number) as [number, number];
      if (c > bestCount || (c === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestCount = c;
      }
    }
    if (!best || bestCount < 2) break;
    const [a, b] = best;
    const spelled = tokens[a]! + tokens[b]!;
    let t = tokens.indexOf(spelled);
    if (t < 0) t = tokens.push(spelled) - 1;
    merges.push([a, b]);
    for (const w of words) {
      const out: number[] = [];
      for (let i = 0; i < w.ids.length; i++) {
        if (w.ids[i] === a && w.ids[i + 1] === b && i + 1 < w.ids.length) {
          out.push(t);
          i++;
        } else out.push(w.ids[i]!);
      }
      w.ids = out;
    }
  }
  return merges;
}

async function learned(text: string, vocabSize: number): Promise<BpeTokenizer> {
  return new BpeTokenizer(await learnBpe(text, vocabSize));
}

const SAMPLE = 'the cat sat on the mat. the cat ate the rat!\n猫坐在垫子上。猫坐在垫子上。\nwe like 🍵 and 🍵🍵, we like it.\n';

describe('learnBpe', () => {
  it('merges the most frequent pair first, weighted by word counts', async () => {
    const { merges, tokens } = await learnBpe('ab ab ab', 258);
    // words "ab", " ab", " ab": (a, b) occurs 3 times, then (space, ab) twice.
    expect(merges).toEqual([[97, 98], [32, 256]]);
    expect(new TextDecoder().decode(tokens[257])).toBe(' ab');
  });

  it('breaks ties by the smaller left id, then the smaller right id', async () => {
    // (a, b) and (c, d) both occur twice: a (97) < c (99).
    expect((await learnBpe('abab cdcd', 257)).merges).toEqual([[97, 98]]);
    // Words "ba" twice, "bc" twice, "." three times: (b, a) and (b, c) tie with the same left id; a (97) < c (99).
    expect((await learnBpe('bc.ba.bc.ba', 257)).merges).toEqual([[98, 97]]);
  });

  it('stops early when no pair occurs twice', async () => {
    const { merges, tokens } = await learnBpe('ab cd', 300);
    expect(merges).toEqual([]);
    expect(tokens).toHaveLength(256);
  });

  it('learns exactly the merges of the slow reference on small texts (random, with ties and repeats)', async () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', ' ', '\n', 'ab', '猫', '🍵', "'s", '1');
    await fc.assert(
      fc.asyncProperty(fc.array(alphabet, { maxLength: 120 }).map((xs) => xs.join('')), fc.integer({ min: 256, max: 300 }), async (text, vocab) => {
        const fast = await learnBpe(text, vocab);
        expect(fast.merges).toEqual(referenceMerges(text, vocab));
        expect(new Set(fast.tokens.map((t) => t.join(','))).size).toBe(fast.tokens.length); // no byte string twice
      }),
      { seed: 20, numRuns: 150 },
    );
    // A real text: both stop at the same place with the same 200 merges.
    const shakespeare = 'First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\nFirst Citizen:\nYou are all resolved rather to die than to famish?\n'.repeat(3);
    expect((await learnBpe(shakespeare, 456)).merges).toEqual(referenceMerges(shakespeare, 456));
  });

  it('reports progress and can be cancelled', async () => {
    const text = SAMPLE.repeat(200);
    const seen: BpeProgress[] = [];
    await learnBpe(text, 400, { onProgress: (p) => seen.push(p), chunkChars: 1000 });
    const counting = seen.filter((p) => p.phase === 'counting');
    expect(counting.length).toBeGreaterThan(5);
    expect(counting.at(-1)).toEqual({ phase: 'counting', done: text.length, total: text.length });
    expect(seen.at(-1)?.phase).toBe('merging');
    const ctrl = new AbortController();
    ctrl.abort();
    const err = await learnBpe(text, 400, { signal: ctrl.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ code: 'ABORTED' });
  });
});

describe('safeCuts', () => {
  it('cuts only where the words of the pieces are the words of the whole text', () => {
    const piece = fc.constantFrom('a', ' ', '\n', '\n\n', ' \n', 'b c', "'ll", '  ', '\t', '猫', '1');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 80 }).map((xs) => xs.join('')), fc.integer({ min: 1, max: 12 }), (text, size) => {
        const parts = [...safeCuts(text, size)];
        expect(parts.map(([a, b]) => text.slice(a, b)).join('')).toBe(text);
        expect(parts.flatMap(([a, b]) => splitWords(text.slice(a, b)))).toEqual(splitWords(text));
      }),
      { seed: 21, numRuns: 300 },
    );
  });

  it('counts the same words in pieces as in one go', async () => {
    const text = SAMPLE.repeat(30);
    expect(await countWords(text, { chunkChars: 37 })).toEqual(await countWords(text, { chunkChars: 1e9 }));
  });
});

describe('BpeTokenizer', () => {
  it('round-trips any UTF-8 text exactly (Chinese, emoji, whitespace, bytes it never saw)', async () => {
    const tok = await learned(SAMPLE.repeat(5), 320);
    expect(tok.vocabSize).toBeGreaterThan(256);
    for (const s of ['', '你好，世界', 'emoji 😀👍🏽 and flags 🇫🇷', '  tabs\tand\r\nnewlines\n\n', 'naïve café', '\u0000\u007f']) expect(tok.decode(tok.encode(s))).toBe(s);
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ maxLength: 60 })), (s) => {
        expect(tok.decode(tok.encode(s))).toBe(s);
      }),
      { seed: 22, numRuns: 500 },
    );
  });

  it('uses the learned tokens: fewer tokens than bytes on its own text', async () => {
    const text = SAMPLE.repeat(5);
    const tok = await learned(text, 320);
    expect(tok.encode(text).length).toBeLessThan(new TextEncoder().encode(text).length / 2);
    expect(tok.encode(' cat')).toHaveLength(1);
  });

  it('encodes a long text in pieces to the same ids as in one go', async () => {
    const text = SAMPLE.repeat(40);
    const tok = await learned(text, 330);
    expect(Array.from(await tok.encodeLong(text, { chunkChars: 50 }))).toEqual(tok.encode(text));
  });

  it('decodes a dangling part of a character as U+FFFD and unknown ids as U+FFFD', async () => {
    const tok = await learned(SAMPLE, 300);
    const ids = tok.encode('😀');
    expect(tok.decode(ids.slice(0, 1))).toBe('\uFFFD');
    expect(tok.decode([...tok.encode('a'), 99999, ...tok.encode('b')])).toBe('a\uFFFDb');
  });

  it("saves as Hugging Face's byte-level BPE and reads back to the same tokenizer", async () => {
    const tok = await learned(SAMPLE.repeat(5), 330);
    const json = JSON.parse(JSON.stringify(tok.toHfJSON())) as { model: { type: string; vocab: Record<string, number>; merges: string[] }; pre_tokenizer: { type: string } };
    expect(json.model.type).toBe('BPE');
    expect(json.pre_tokenizer.type).toBe('ByteLevel');
    expect(Object.keys(json.model.vocab)).toHaveLength(tok.vocabSize);
    expect(json.model.vocab['Ġ']).toBe(32); // the space, in GPT-2's byte alphabet
    expect(json.model.merges).toHaveLength(tok.merges.length);
    const back = tokenizerFromJSON(json, tok.vocabSize);
    expect(back).toBeInstanceOf(BpeTokenizer);
    expect(back.encode(SAMPLE)).toEqual(tok.encode(SAMPLE));
    expect(JSON.parse(JSON.stringify(back))).toEqual(json);
  });

  it('refuses a damaged file in words', async () => {
    const json = (await learned(SAMPLE.repeat(5), 300)).toHfJSON() as { model: { vocab: Record<string, number>; merges: string[] } };
    const broken = (f: (j: typeof json) => void) => {
      const j = structuredClone(json);
      f(j);
      return engineError(() => tokenizerFromJSON(j));
    };
    expect(broken((j) => j.model.merges.push('zz qq'))).toMatchObject({ code: 'BAD_CHECKPOINT', message: expect.stringMatching(/merge \d+ \("zz qq"\) is not two tokens/) });
    expect(broken((j) => delete j.model.vocab['Ġ'])).toMatchObject({ code: 'BAD_CHECKPOINT', message: expect.stringMatching(/ids must be 0 to|has no token/) });
    expect(broken((j) => (j.model.vocab['ĠĠĠĠĠĠĠĠĠĠĠĠĠĠĠĠĠĠĠ'] = 5))).toMatchObject({ code: 'BAD_CHECKPOINT' });
    expect(broken((j) => (j.model.vocab['日本'] = Object.keys(j.model.vocab).length))).toMatchObject({ message: expect.stringContaining("outside GPT-2's byte alphabet") });
    expect(tokenizerFromJSON(json, 400).vocabSize).toBe(300);
    expect(() => tokenizerFromJSON(json, 299)).toThrow(/more than the model's vocab_size of 299/);
  });
});
