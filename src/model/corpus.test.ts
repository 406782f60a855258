/** The one corpus loader (worker and CLI): parts joined, the size limit, a bad part named, the split and summary. */
import { describe, expect, it } from 'vitest';
import { engineError } from '../../test/engine-error';
import { corpusFromText, loadCorpus } from './corpus';
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
