/** The one corpus loader (worker and CLI): parts joined, the size limit, a bad part named, the split and summary. */
import { describe, expect, it } from 'vitest';
import { engineError } from '../../test/engine-error';
import { corpusFromText, learnCorpusBpe, loadCorpus } from './corpus';
import { Gpt2Tokenizer } from './tokenizer';
import { MAX_CORPUS_BYTES } from './limits';

const part = (name: string, text: string) => ({ name, bytes: new TextEncoder().encode(text) });

describe('loadCorpus', () => {
  it('joins parts with a newline where one is missing, names them, splits 90/10', () => {
    const c = loadCorpus([part('a.txt', 'abc'), part('b.txt', 'de\n'), part('c.txt', 'fghij')], 'char');
    expect(c.text).toBe('abc\nde\nfghij');
    expect(c.name).toBe('a.txt + b.txt + c.txt');
    // bytes: the files' own (the joining newline is not in any file).
    expect(c.summary).toMatchObject({ chars: 12, bytes: 11, distinctChars: 11, vocabSize: 11, trainTokens: 10, valTokens: 2, tokenizer: 'char' });
  });

  it('refuses no parts, too many bytes (before decoding), and names the bad part among several', () => {
    expect(engineError(() => loadCorpus([], 'char')).code).toBe('BAD_CORPUS');
    const huge = { name: 'huge.txt', bytes: { length: MAX_CORPUS_BYTES + 1 } as Uint8Array };
    expect(engineError(() => loadCorpus([huge], 'char')).message).toMatch(/^The text is too large: 100\.0 MB, the limit is 100 MB/);
    const bad = engineError(() => loadCorpus([part('ok.txt', 'hello'), { name: 'bin.dat', bytes: Uint8Array.of(0, 1, 0, 2) }], 'char'));
    expect(bad.code).toBe('BAD_CORPUS');
    expect(bad.message).toMatch(/^bin\.dat: /);
  });

  it('re-tokenizes a text with GPT-2 BPE: distinct characters are counted from the text', () => {
    const c = corpusFromText('t', 'hello hello world', 'gpt2');
    expect(c.summary.vocabSize).toBe(50257);
    expect(c.summary.distinctChars).toBe(new Set('hello hello world').size);
    expect(c.tokens.length).toBeLessThan(17);
  });
});

describe('learnCorpusBpe', () => {
  const text = 'the cat sat on the mat. the cat ate the rat!\n猫坐在垫子上。\nwe like 🍵 and 🍵🍵.\n'.repeat(40);

  it('learns from the text and re-tokenizes it: chips of whole characters, characters per token beside GPT-2', async () => {
    const chars = loadCorpus([part('cats.txt', text)], 'char');
    const c = await learnCorpusBpe(chars, 290);
    expect(c.tokenizer.kind).toBe('bpe');
    expect(c.tokenizer.decode(c.tokens)).toBe(text);
    expect(c.summary).toMatchObject({ tokenizer: 'bpe', vocabSize: 290, chars: chars.summary.chars, trainTokens: c.train.length, valTokens: c.val.length });
    expect(c.summary.charsPerToken).toBeCloseTo(chars.summary.chars / c.tokens.length, 12);
    expect(c.summary.charsPerToken).toBeGreaterThan(1.5); // 34 merges on a short text
    const learned = c.summary.learned!;
    expect(learned.requested).toBe(290);
    expect(learned.gpt2Chars).toBe(chars.summary.chars); // a short text: GPT-2 measured on all of it
    expect(learned.gpt2CharsPerToken).toBeCloseTo(chars.summary.chars / new Gpt2Tokenizer().encode(text).length, 12);
    // The chips spell the text's start; none holds half a character (猫 is 3 bytes, 🍵 4).
    const spelled = learned.pieces.map((p) => p.text).join('');
    expect(text.startsWith(spelled)).toBe(true);
    expect(spelled).toContain('猫坐在垫子上');
    expect(spelled).not.toContain('\uFFFD');
    expect(learned.pieces.reduce((n, p) => n + p.tokens, 0)).toBe(c.tokenizer.encode(spelled).length);
  });

  it('refuses a size outside 256..16,384 in words, and stops when cancelled', async () => {
    const chars = loadCorpus([part('cats.txt', text)], 'char');
    const refused = await learnCorpusBpe(chars, 100).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'BAD_CONFIG', message: 'The vocabulary size must be a whole number from 256 to 16,384, but it is 100.' });
    const ctrl = new AbortController();
    const run = learnCorpusBpe(chars, 320, { signal: ctrl.signal, chunkChars: 100, onProgress: () => ctrl.abort() });
    expect(await run.catch((e: unknown) => e)).toMatchObject({ code: 'ABORTED' });
  });
});
