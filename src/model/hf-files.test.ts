/**
 * tokenizer.json in Hugging Face tokenizers' format and the files around it: written, read back to
 * the same tokenizer, and the earlier private format still read. That the real `tokenizers` and
 * `transformers` accept these files is checked by scripts/check-transformers.py (Python, not npm test).
 */
import { describe, expect, it } from 'vitest';
import { engineError } from '../../test/engine-error';
import { decodeCheckpoint, encodeCheckpoint, withHfSideFiles } from './checkpoint';
import type { GPTConfig } from './config';
import { hfSideFiles } from './hf-files';
import { CHAR_SPLIT_REGEX } from './hf-tokenizer';
import { initParams, paramLayout } from './params';
import { CharTokenizer, Gpt2Tokenizer, tokenizerFromJSON } from './tokenizer';

const roundTrip = (j: unknown) => JSON.parse(JSON.stringify(j)) as unknown;

describe('character tokenizer.json (WordLevel, one token per code point)', () => {
  const tok = CharTokenizer.fromCorpus('hé 你好 😀\n\tz');

  it('writes the vocabulary as WordLevel ids behind a per-character split and a Fuse decoder', () => {
    const j = tok.toHfJSON() as { model: { type: string; vocab: Record<string, number> }; pre_tokenizer: unknown; decoder: unknown; added_tokens: unknown[] };
    expect(j.model.type).toBe('WordLevel');
    expect(Object.keys(j.model.vocab)).toHaveLength(tok.vocabSize);
    tok.vocab.forEach((ch, i) => expect(j.model.vocab[ch], `vocab entry ${JSON.stringify(ch)}`).toBe(i));
    expect(j.pre_tokenizer).toEqual({ type: 'Split', pattern: { Regex: CHAR_SPLIT_REGEX }, behavior: 'Isolated', invert: false });
    expect(j.decoder).toEqual({ type: 'Fuse' });
    expect(j.added_tokens).toEqual([]);
    // The split regex matches every code point, newline and astral characters included.
    expect([...'a\n😀'].map((ch) => new RegExp(`^${CHAR_SPLIT_REGEX}$`, 'u').test(ch))).toEqual([true, true, true]);
  });

  it('reads back to the same vocabulary and the same ids', () => {
    const back = tokenizerFromJSON(roundTrip(tok.toHfJSON()));
    expect(back).toBeInstanceOf(CharTokenizer);
    expect((back as CharTokenizer).vocab).toEqual(tok.vocab);
    expect(back.encode('你好 😀\n')).toEqual(tok.encode('你好 😀\n'));
  });

  it('still reads the private format of earlier downloads', () => {
    const back = tokenizerFromJSON(roundTrip({ type: 'char', version: 1, vocab: tok.vocab }));
    expect((back as CharTokenizer).vocab).toEqual(tok.vocab);
  });

  it('refuses a broken WordLevel file with BAD_CHECKPOINT', () => {
    const j = tok.toHfJSON() as { model: Record<string, unknown> };
    const cases: [unknown, RegExp][] = [
      [{ ...j, model: { ...j.model, vocab: { a: 0, b: 0 } } }, /"b" has id 0; ids must be 0 to 1, each used once/],
      [{ ...j, model: { ...j.model, vocab: { a: 0, b: 5 } } }, /"b" has id 5/],
      [{ ...j, model: { ...j.model, vocab: { a: 0, bc: 1 } } }, /entry 1 must be exactly one character/],
      [{ ...j, model: { ...j.model, vocab: [] } }, /needs a "vocab" object/],
      [{ ...j, pre_tokenizer: null }, /tokenizer other than GPT-2 or a character vocabulary/],
    ];
    for (const [json, says] of cases) {
      const e = engineError(() => tokenizerFromJSON(json));
      expect(e.code).toBe('BAD_CHECKPOINT');
      expect(e.message).toMatch(says);
    }
    expect(engineError(() => tokenizerFromJSON(tok.toHfJSON(), 3)).message).toMatch(/more than the model's vocab_size of 3/);
  });
});

describe("GPT-2 tokenizer.json (GPT-2's own byte-level BPE)", () => {
  const j = new Gpt2Tokenizer().toHfJSON() as {
    model: { type: string; vocab: Record<string, number>; merges: string[] };
    added_tokens: { id: number; content: string; special: boolean }[];
    pre_tokenizer: { type: string };
    decoder: { type: string };
  };

  it('holds the 50257-token vocabulary, the 50000 merges and <|endoftext|>', () => {
    expect(j.model.type).toBe('BPE');
    expect(Object.keys(j.model.vocab)).toHaveLength(50257);
    expect(j.model.vocab).toMatchObject({ '!': 0, Hello: 15496, 'Ġworld': 995, 'Ġthe': 262, '<|endoftext|>': 50256, 'Ġgazed': 50255 });
    expect(j.model.merges).toHaveLength(50000);
    // GPT-2's first merges (its merges.txt): "Ġ t", "Ġ a", "h e", "i n", "r e".
    expect(j.model.merges.slice(0, 5)).toEqual(['Ġ t', 'Ġ a', 'h e', 'i n', 'r e']);
    // Merge i makes token 256 + i.
    for (const i of [0, 1, 17, 1000, 49999]) expect(j.model.vocab[j.model.merges[i]!.replace(' ', '')], `merge ${i}`).toBe(256 + i);
    expect(j.added_tokens).toMatchObject([{ id: 50256, content: '<|endoftext|>', special: true }]);
    expect([j.pre_tokenizer.type, j.decoder.type]).toEqual(['ByteLevel', 'ByteLevel']);
  });

  it('reads back as GPT-2', () => {
    expect(tokenizerFromJSON(roundTrip(j))).toBeInstanceOf(Gpt2Tokenizer);
  });
});

describe('a model directory for transformers', () => {
  const char = CharTokenizer.fromCorpus('abc\n');
  const config: GPTConfig = { n_layer: 1, n_head: 2, n_embd: 8, block_size: 16, vocab_size: char.vocabSize };
  const ck = () => ({ config, tokenizer: char, params: initParams(config, paramLayout(config), 7) });
  const text = (files: Map<string, string>, name: string) => JSON.parse(files.get(name)!) as Record<string, unknown>;

  it('a character model: no special tokens, bos/eos null, spaces never cleaned up', () => {
    const files = hfSideFiles(config, char);
    expect([...files.keys()].sort()).toEqual(['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(text(files, 'config.json')).toMatchObject({ bos_token_id: null, eos_token_id: null, vocab_size: 4 });
    expect(text(files, 'generation_config.json')).toEqual({ bos_token_id: null, eos_token_id: null });
    expect(text(files, 'tokenizer_config.json')).toEqual({ tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: 16, clean_up_tokenization_spaces: false });
  });

  it('a GPT-2 BPE model: <|endoftext|> is bos, eos and unk', () => {
    const files = hfSideFiles({ ...config, vocab_size: 50304 }, new Gpt2Tokenizer());
    expect(text(files, 'config.json')).toMatchObject({ bos_token_id: 50256, eos_token_id: 50256, vocab_size: 50304 });
    expect(text(files, 'generation_config.json')).toEqual({ bos_token_id: 50256, eos_token_id: 50256 });
    const special = { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' };
    expect(text(files, 'special_tokens_map.json')).toEqual(special);
    expect(text(files, 'tokenizer_config.json')).toMatchObject(special);
  });

  it("writes a model card with Hugging Face's YAML header", () => {
    const card = hfSideFiles(config, char, { name: 'Tiny | test', corpus: 'shakespeare.txt', step: 300, totalSteps: 500, valLoss: 1.234567, source: 'page' }).get('README.md')!;
    const header = card.split('---\n')[1]!;
    for (const line of ['library_name: transformers', 'pipeline_tag: text-generation', 'license: other', 'training_corpus: "shakespeare.txt"', 'training_steps: 300', 'val_loss: 1.2346', 'tokenizer: character']) {
      expect(header.split('\n'), line).toContain(line);
    }
    expect(card).toContain('| Training steps | 300 of 500 |');
    expect(card).toContain('# Tiny | test');
    expect(card).toContain('pipeline("text-generation"');
    expect(card).toContain('generate("a", max_new_tokens=50');
  });

  it('an old download (private tokenizer.json, no side files) and a new one load to the same checkpoint', () => {
    const files = encodeCheckpoint(ck());
    const old = new Map([
      ['model.safetensors', files.get('model.safetensors')!],
      ['config.json', files.get('config.json')!],
      ['tokenizer.json', new TextEncoder().encode(JSON.stringify(char.toJSON()))],
    ]);
    for (const f of [files, old]) {
      const back = decodeCheckpoint(f);
      expect((back.tokenizer as CharTokenizer).vocab).toEqual(char.vocab);
      expect(back.params).toEqual(ck().params);
    }
  });

  it("downloads a model stored with the old tokenizer.json in today's formats, the weights' bytes untouched", () => {
    const files = encodeCheckpoint(ck());
    const old = new Map([
      ['model.safetensors', files.get('model.safetensors')!],
      ['config.json', new TextEncoder().encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(files.get('config.json'))), bos_token_id: undefined }))],
      ['tokenizer.json', new TextEncoder().encode(JSON.stringify(char.toJSON()))],
    ]);
    const out = withHfSideFiles(old, { name: 'm', source: 'page' });
    expect([...out.keys()].sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(out.get('model.safetensors')).toBe(old.get('model.safetensors'));
    for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) expect(out.get(name), name).toEqual(files.get(name));
  });
});
