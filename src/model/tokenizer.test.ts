import { describe, expect, it } from 'vitest';
import { CharTokenizer, Gpt2Tokenizer, tokenizerFromJSON } from './tokenizer';
import { engineError } from '../../test/engine-error';

describe('Gpt2Tokenizer', () => {
  const tok = new Gpt2Tokenizer();

  it("gives GPT-2's token ids", () => {
    expect(tok.vocabSize).toBe(50257);
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
    expect(tok.encode('The quick brown fox jumps over the lazy dog.')).toEqual([464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13]);
    expect(tok.encode(' the')).toEqual([262]);
    expect(tok.encode('!')).toEqual([0]);
    expect(tok.encode('')).toEqual([]);
  });

  it('encodes <|endoftext|> as the document separator 50256', () => {
    expect(tok.encode('a<|endoftext|>b')).toEqual([64, 50256, 65]);
    expect(tok.decode([64, 50256, 65])).toBe('a<|endoftext|>b');
    expect(tok.encode('<|endoftext|><|endoftext|>x<|endoftext|>')).toEqual([50256, 50256, 87, 50256]);
    expect(tok.eotId).toBe(50256);
  });

  it('round-trips Chinese, emoji and whitespace byte-exactly', () => {
    for (const text of ['你好，世界', 'emoji 😀👍🏽 and flags 🇫🇷', '  tabs\tand\r\nnewlines\n\n', 'naïve café']) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });

  it('joins characters split across tokens, and replaces a dangling partial one', () => {
    const ids = tok.encode('😀');
    expect(ids.length).toBeGreaterThan(1); // the emoji's 4 bytes span several tokens
    expect(tok.decode(ids.slice(0, 1))).toBe('\uFFFD');
    // Decoding the start of a character must not leak into the next call (gpt-tokenizer's own decode does).
    expect(tok.decode(ids)).toBe('😀');
    expect(tok.decode(Uint32Array.from(ids))).toBe('😀');
  });

  it('decodes ids outside the vocabulary (padded vocabularies) as U+FFFD', () => {
    expect(tok.decode([15496, 50300, 995])).toBe('Hello\uFFFD world');
  });

  it('saves as { type: "gpt2" }', () => {
    expect(tok.toJSON()).toEqual({ type: 'gpt2', version: 1 });
    expect(tokenizerFromJSON(JSON.parse(JSON.stringify(tok)))).toBeInstanceOf(Gpt2Tokenizer);
  });
});

describe('CharTokenizer', () => {
  it("builds nanoGPT's sorted vocabulary for ASCII text", () => {
    const tok = CharTokenizer.fromCorpus('First Citizen:\nBefore we proceed');
    expect(tok.vocab).toEqual([...new Set('First Citizen:\nBefore we proceed')].sort());
    expect(tok.vocab[0]).toBe('\n');
    expect(tok.kind).toBe('char');
  });

  it('counts code points, not UTF-16 units, for Chinese and emoji', () => {
    const text = '春眠不觉晓😀，处处闻啼鸟😀🐉';
    const tok = CharTokenizer.fromCorpus(text);
    // 9 distinct CJK characters + a fullwidth comma + 2 emoji; 😀 and 🐉 are 2 UTF-16 units each.
    expect(tok.vocabSize).toBe(12);
    const ids = tok.encode(text);
    expect(ids).toHaveLength([...text].length);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.vocab.every((ch) => [...ch].length === 1)).toBe(true);
  });

  it('sorts by code point (emoji after U+FF0C, unlike a UTF-16 sort)', () => {
    const tok = CharTokenizer.fromCorpus('😀，a');
    expect(tok.vocab).toEqual(['a', '，', '😀']);
  });

  it('throws BAD_CORPUS naming the first unknown character; encodeLossy drops unknowns', () => {
    const tok = CharTokenizer.fromCorpus('abc');
    const err = engineError(() => tok.encode('ab😀d'));
    expect(err.code).toBe('BAD_CORPUS');
    expect(err.message).toContain('"😀" (U+1F600)');
    expect(err.message).toContain('vocabulary of 3 characters');
    expect(engineError(() => tok.encode('a\tb')).message).toContain('"\\t" (U+0009)');
    expect(tok.encodeLossy('ab😀dc')).toEqual([0, 1, 2]);
    expect(engineError(() => CharTokenizer.fromCorpus('')).code).toBe('BAD_CORPUS');
  });

  it('decodes ids outside the vocabulary as U+FFFD', () => {
    expect(CharTokenizer.fromCorpus('ab').decode([1, 7, 0])).toBe('b\uFFFDa');
  });

  it('round-trips through tokenizer.json', () => {
    const tok = CharTokenizer.fromCorpus('hé 你好 😀\n');
    const json = JSON.parse(JSON.stringify(tok.toJSON()));
    expect(json).toEqual({ type: 'char', version: 1, vocab: tok.vocab });
    const back = tokenizerFromJSON(json);
    expect(back).toBeInstanceOf(CharTokenizer);
    expect((back as CharTokenizer).vocab).toEqual(tok.vocab);
    expect(back.decode(back.encode('你好 😀'))).toBe('你好 😀');
  });
});

describe('tokenizerFromJSON', () => {
  it('refuses bad files with BAD_CHECKPOINT in plain words', () => {
    const cases: [unknown, RegExp][] = [
      ['gpt2', /expected a JSON object/],
      [{ version: 1 }, /"type" must be "char" or "gpt2", but it is missing/],
      [{ type: 'wordpiece', version: 1 }, /"type" must be "char" or "gpt2", but it is "wordpiece"/],
      [{ type: 'gpt2', version: 2 }, /version 2 is newer than this app understands/],
      [{ type: 'gpt2' }, /"version" must be 1/],
      [{ type: 'char', version: 1 }, /needs a "vocab" array/],
      [{ type: 'char', version: 1, vocab: [] }, /at least one character/],
      [{ type: 'char', version: 1, vocab: ['a', 'ab'] }, /entry 1 must be exactly one character/],
      [{ type: 'char', version: 1, vocab: ['a', 'b', 'a'] }, /lists the character "a" \(U\+0061\) twice/],
      [{ version: '1.0', model: { type: 'Unigram', vocab: [] } }, /Hugging Face tokenizers file for a tokenizer other than GPT-2/],
    ];
    for (const [json, message] of cases) {
      const err = engineError(() => tokenizerFromJSON(json));
      expect(err.code).toBe('BAD_CHECKPOINT');
      expect(err.message).toMatch(/^tokenizer\.json: /);
      expect(err.message).toMatch(message);
    }
  });

  it("recognises Hugging Face's GPT-2 tokenizer.json", () => {
    const vocab: Record<string, number> = { '!': 0, Hello: 15496, 'Ġworld': 995, '<|endoftext|>': 50256 };
    for (let i = 4; i < 50257; i++) vocab[`tok${i}`] = 1000 + i;
    const hf = { version: '1.0', added_tokens: [], model: { type: 'BPE', vocab, merges: [] } };
    expect(tokenizerFromJSON(hf)).toBeInstanceOf(Gpt2Tokenizer);
  });
});
