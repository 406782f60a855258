/**
 * tokenizer.json in the Hugging Face `tokenizers` library's own format, so that
 * `AutoTokenizer.from_pretrained(folder)` and `pipeline("text-generation", model=folder)` run on our
 * downloads as they are (scripts/check-transformers.py checks it against the real library):
 *   character vocabulary  a WordLevel model (vocab { char: id }) behind a Split pre-tokenizer that
 *                         isolates every code point, and a Fuse decoder (tokens joined with nothing
 *                         between them: the default decoder would put spaces between characters)
 *   GPT-2                 GPT-2's own: ByteLevel pre-tokenizer, post-processor and decoder, a BPE
 *                         model with its 50257-token vocabulary and 50000 merges, <|endoftext|> added
 *   learned BPE           the same layout as GPT-2's (ByteLevel pre-tokenizer, post-processor and
 *                         decoder; a BPE model with the learned vocabulary and merges), no added token
 * Reading: tokenizer.ts's tokenizerFromJSON (the one parser) recognises these layouts through
 * hfCharVocab, isHfGpt2Tokenizer and hfByteBpe below, beside our earlier private `{ "type": ... }` format.
 */
import r50kRanks from 'gpt-tokenizer/bpeRanks/r50k_base';

/** Matches one code point, newlines included (tokenizers compiles it with Oniguruma). */
export const CHAR_SPLIT_REGEX = '[\\s\\S]';
/** A WordLevel model needs an unknown token's name; it is not in the vocabulary, so an unknown character is an error there as here. */
const CHAR_UNK = '[UNK]';

export const GPT2_EOT_TEXT = '<|endoftext|>';
const GPT2_VOCAB = 50257;
const GPT2_EOT = 50256;

type Json = Record<string, unknown>;

const byteLevel = (addPrefixSpace: boolean, trimOffsets: boolean): Json => ({
  type: 'ByteLevel',
  add_prefix_space: addPrefixSpace,
  trim_offsets: trimOffsets,
  use_regex: true,
});

/** The tokenizers file for a character vocabulary (vocab[i] is token i). */
export function hfCharTokenizerJson(vocab: readonly string[]): Json {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'Split', pattern: { Regex: CHAR_SPLIT_REGEX }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: { type: 'WordLevel', vocab: Object.fromEntries(vocab.map((ch, i) => [ch, i])), unk_token: CHAR_UNK },
  };
}

/**
 * GPT-2's bytes_to_unicode: each byte as a printable character (printable Latin-1 bytes stand for
 * themselves, the others are shifted to U+0100 and up, so the space 0x20 is "Ġ" U+0120).
 */
export function byteToUnicode(): string[] {
  const table: string[] = new Array<string>(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCodePoint(printable ? b : 256 + shifted++);
  }
  return table;
}

let gpt2Json: Json | undefined;

/**
 * GPT-2's tokenizers file, rebuilt from gpt-tokenizer's rank table (rank = GPT-2 id). Token 256 + i
 * is made by merge i; its two halves are what byte-pair merging of its bytes with only the lower
 * ranks leaves (as tiktoken's own conversion to tokenizers does). Built once (~1.3 MB of JSON).
 */
export function hfGpt2TokenizerJson(): Json {
  if (gpt2Json) return gpt2Json;
  const b2u = byteToUnicode();
  const utf8 = new TextEncoder();
  const tokens = r50kRanks.map((t) => [...(typeof t === 'string' ? utf8.encode(t) : t)].map((b) => b2u[b]).join(''));
  const rank = new Map<string, number>();
  tokens.forEach((t, i) => rank.set(t, i));
  const merges: string[] = [];
  for (let id = 256; id < GPT2_EOT; id++) merges.push(splitByLowerRanks(tokens[id]!, id, rank).join(' '));
  const vocab: Record<string, number> = Object.fromEntries(tokens.map((t, i) => [t, i]));
  vocab[GPT2_EOT_TEXT] = GPT2_EOT;
  gpt2Json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: GPT2_EOT, content: GPT2_EOT_TEXT, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: bpeModel(vocab, merges),
  };
  return gpt2Json;
}

/** Byte-pair merging of `token`'s characters using only ranks below `maxRank`: two parts for every GPT-2 token past the bytes. */
function splitByLowerRanks(token: string, maxRank: number, rank: Map<string, number>): string[] {
  // Fast path: when only one cut leaves two lower-ranked tokens, merging must end there (most tokens).
  const chars = [...token];
  let only: string[] | undefined;
  let cuts = 0;
  for (let k = 1; k < chars.length && cuts < 2; k++) {
    const left = chars.slice(0, k).join('');
    const right = chars.slice(k).join('');
    if ((rank.get(left) ?? maxRank) < maxRank && (rank.get(right) ?? maxRank) < maxRank) {
      only = [left, right];
      cuts++;
    }
  }
  if (cuts === 1) return only!;
  const parts = chars;
  for (;;) {
    let best = -1;
    let bestRank = maxRank;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = rank.get(parts[i]! + parts[i + 1]!);
      if (r !== undefined && r < bestRank) {
        best = i;
        bestRank = r;
      }
    }
    if (best < 0) break;
    parts.splice(best, 2, parts[best]! + parts[best + 1]!);
  }
  if (parts.length !== 2) throw new Error(`GPT-2 token ${maxRank} does not split into two lower-ranked tokens (${parts.length} parts).`);
  return parts;
}

function modelOf(j: Json): Json | undefined {
  const m = j.model;
  return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as Json) : undefined;
}

/**
 * The vocabulary (by id) of a tokenizers file laid out as hfCharTokenizerJson writes it, or
 * undefined when the file is not one; a string when it is one but broken (the reason, for the error).
 * `maxVocab` refuses an oversized vocabulary before it is indexed.
 */
export function hfCharVocab(j: Json, maxVocab: number): string[] | string | undefined {
  const model = modelOf(j);
  if (model?.type !== 'WordLevel') return undefined;
  const pre = j.pre_tokenizer as Json | null | undefined;
  const pattern = (pre?.pattern as Json | undefined)?.Regex;
  if (pre?.type !== 'Split' || pattern !== CHAR_SPLIT_REGEX || pre.behavior !== 'Isolated') return undefined;
  const entries = typeof model.vocab === 'object' && model.vocab !== null && !Array.isArray(model.vocab) ? Object.entries(model.vocab) : undefined;
  if (!entries) return 'its WordLevel model needs a "vocab" object of characters and ids.';
  if (entries.length > maxVocab) return `its vocabulary has ${entries.length.toLocaleString('en-US')} entries, more than the model's vocab_size of ${maxVocab}.`;
  const vocab = new Array<string>(entries.length);
  for (const [ch, id] of entries) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= entries.length || vocab[id as number] !== undefined) {
      return `the character ${JSON.stringify(ch)} has id ${JSON.stringify(id)}; ids must be 0 to ${entries.length - 1}, each used once.`;
    }
    vocab[id as number] = ch;
  }
  return vocab;
}

/** True for a tokenizers file holding GPT-2's BPE (spot-checked, not compared in full). */
export function isHfGpt2Tokenizer(j: Json): boolean {
  const model = modelOf(j);
  if (model?.type !== 'BPE') return false;
  const vocab = model.vocab as Record<string, unknown> | undefined;
  if (typeof vocab !== 'object' || vocab === null) return false;
  const size = Object.keys(vocab).length;
  // GPT-2's byte-level vocabulary spells the leading space as "Ġ".
  return (size === GPT2_VOCAB || size === GPT2_VOCAB - 1) && vocab['!'] === 0 && vocab['Hello'] === 15496 && vocab['Ġworld'] === 995;
}

/** A BPE model's fields as `tokenizers` writes them (GPT-2's and ours). */
function bpeModel(vocab: Record<string, number>, merges: string[]): Json {
  return { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges };
}

/**
 * The tokenizers file for a byte-level BPE learned here (src/model/bpe.ts): each token spelled in
 * GPT-2's byte alphabet (so no token holds a space, and "left right" is a merge), the merges in
 * rank order. Hugging Face then splits words with the same regex and merges by the same ranks.
 */
export function hfByteBpeTokenizerJson(tokens: readonly Uint8Array[], merges: readonly (readonly [number, number])[]): Json {
  const b2u = byteToUnicode();
  const spelled = tokens.map((t) => Array.from(t, (b) => b2u[b]).join(''));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: bpeModel(Object.fromEntries(spelled.map((t, i) => [t, i])), merges.map(([a, b]) => `${spelled[a]} ${spelled[b]}`)),
  };
}

/** Each character of GPT-2's byte alphabet to its byte. */
let unicodeToByte: Map<string, number> | undefined;

/**
 * The tokens (bytes by id) and merges of a tokenizers file holding a byte-level BPE (ByteLevel
 * pre-tokenizer with GPT-2's regex, a BPE model whose tokens are spelled in GPT-2's byte alphabet),
 * or undefined when the file is not one; a string when it is one but broken (the reason). Whether
 * the merges fit the tokens is BpeModel's check. `maxVocab` refuses an oversized vocabulary first.
 */
export function hfByteBpe(j: Json, maxVocab: number): { tokens: Uint8Array[]; merges: [number, number][] } | string | undefined {
  const model = modelOf(j);
  const pre = j.pre_tokenizer as Json | null | undefined;
  if (model?.type !== 'BPE' || pre?.type !== 'ByteLevel') return undefined;
  if (pre.use_regex === false || pre.add_prefix_space === true) return 'its ByteLevel pre-tokenizer must use GPT-2\'s regex without a prefix space.';
  if (Array.isArray(j.added_tokens) && j.added_tokens.length > 0) return 'added (special) tokens are not supported in a learned BPE.';
  const vocab = model.vocab;
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) return 'its BPE model needs a "vocab" object of tokens and ids.';
  const entries = Object.entries(vocab);
  if (entries.length > maxVocab) return `its vocabulary has ${entries.length.toLocaleString('en-US')} entries, more than the model's vocab_size of ${maxVocab}.`;
  if (!Array.isArray(model.merges)) return 'its BPE model needs a "merges" list.';
  if (model.merges.length > entries.length) return `it lists ${model.merges.length.toLocaleString('en-US')} merges for ${entries.length.toLocaleString('en-US')} tokens.`;
  unicodeToByte ??= new Map(byteToUnicode().map((ch, b) => [ch, b]));
  const u2b = unicodeToByte;
  const tokens = new Array<Uint8Array>(entries.length);
  const idOf = new Map<string, number>();
  for (const [spelled, id] of entries) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= entries.length || tokens[id as number] !== undefined) {
      return `the token ${JSON.stringify(spelled)} has id ${JSON.stringify(id)}; ids must be 0 to ${entries.length - 1}, each used once.`;
    }
    const bytes: number[] = [];
    for (const ch of spelled) {
      const b = u2b.get(ch);
      if (b === undefined) return `the token ${JSON.stringify(spelled)} has a character outside GPT-2's byte alphabet.`;
      bytes.push(b);
    }
    tokens[id as number] = Uint8Array.from(bytes);
    idOf.set(spelled, id as number);
  }
  const merges: [number, number][] = [];
  for (const [r, m] of model.merges.entries()) {
    const parts: unknown = typeof m === 'string' ? m.split(' ') : m;
    const ids = Array.isArray(parts) && parts.length === 2 ? parts.map((p) => (typeof p === 'string' ? idOf.get(p) : undefined)) : [];
    if (ids.length !== 2 || ids[0] === undefined || ids[1] === undefined) return `merge ${r} (${JSON.stringify(m)}) is not two tokens of the vocabulary.`;
    merges.push([ids[0], ids[1]]);
  }
  return { tokens, merges };
}
