/**
 * Property-based tests of the model-directory parsers (config.json, tokenizer.json, and the three
 * files together) against files from strangers, and the hostile cases one by one. The property:
 * a parser returns a usable result or throws a coded EngineError — never another exception, never
 * slowly. Seeded, so a failure replays; fast-check prints the smallest failing input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError, type EngineErrorCode } from '../errors';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { fromHfConfig, toHfConfig, type GPTConfig } from './config';
import { initParams, paramLayout } from './params';
import { CharTokenizer, MAX_CHAR_VOCAB, tokenizerFromJSON } from './tokenizer';

const MAX_MS_PER_INPUT = 2000; // a hang detector: inputs take well under 10 ms, a loaded machine pauses for GC
const SEED = 20261201;

/** Runs `fn`; anything but success or an EngineError with one of `codes` (or a slow answer) fails. */
function succeedsOrRefuses(codes: EngineErrorCode[], fn: () => void): void {
  const t0 = performance.now();
  try {
    fn();
  } catch (e) {
    if (!(e instanceof EngineError) || !codes.includes(e.code)) {
      throw new Error(`expected EngineError ${codes.join('/')}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
    if (!e.message || e.message.length > 2000) throw new Error(`unhelpful message (${e.message.length} chars)`);
  }
  const ms = performance.now() - t0;
  if (ms > MAX_MS_PER_INPUT) throw new Error(`took ${ms.toFixed(0)} ms`);
}

const utf8 = new TextEncoder();
const tokenizer = CharTokenizer.fromCorpus('hello, world: 你好 😀\n');
const config: GPTConfig = { n_layer: 1, n_head: 2, n_embd: 8, block_size: 8, vocab_size: tokenizer.vocabSize };
const files = encodeCheckpoint({ config, tokenizer, params: initParams(config, paramLayout(config), 3) });
const goodConfig = toHfConfig(config);

/** Values a hostile JSON field would hold, as JSON.parse can give them. */
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(0, -1, 0.5, 1e300, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e9, '8', '<b>8</b>', null, [], {}),
);
const configKeys = fc.constantFrom(
  'n_layer', 'n_head', 'n_embd', 'n_positions', 'n_ctx', 'vocab_size', 'model_type', 'activation_function',
  'layer_norm_epsilon', 'n_inner', 'scale_attn_weights', 'scale_attn_by_inverse_layer_idx', 'add_cross_attention', '__proto__',
);

/** Mutations of a JSON text: characters overwritten, cut, or inserted. */
function mutateText(text: string, muts: { at: number; cut: boolean; insert: string }[]): string {
  let s = text;
  for (const m of muts) {
    const at = s.length ? m.at % s.length : 0;
    s = m.cut ? s.slice(0, at) + s.slice(at + 1 + (m.at % 7)) : s.slice(0, at) + m.insert + s.slice(at);
  }
  return s;
}
const textMutation = fc.record({ at: fc.nat(), cut: fc.boolean(), insert: fc.string({ maxLength: 6 }) });

describe('config.json parser under fuzzing (fast-check)', () => {
  it('any JSON value: a GPTConfig or BAD_CHECKPOINT', () => {
    fc.assert(fc.property(fc.jsonValue(), (j) => succeedsOrRefuses(['BAD_CHECKPOINT'], () => void fromHfConfig(j))), { numRuns: 3000, seed: SEED });
  });

  it("GPT-2's config with fields replaced by hostile values", () => {
    fc.assert(
      fc.property(fc.dictionary(configKeys, hostileValue, { maxKeys: 5 }), (over) =>
        succeedsOrRefuses(['BAD_CHECKPOINT'], () => {
          const c = fromHfConfig(JSON.parse(JSON.stringify({ ...goodConfig, ...over })));
          for (const k of ['n_layer', 'n_head', 'n_embd', 'block_size', 'vocab_size'] as const) {
            if (!Number.isSafeInteger(c[k]) || c[k] < 1) throw new Error(`${k} came out as ${c[k]}`);
          }
        }),
      ),
      { numRuns: 4000, seed: SEED },
    );
  });
});

describe('tokenizer.json parser under fuzzing (fast-check)', () => {
  it('any JSON value: a tokenizer or BAD_CHECKPOINT', () => {
    fc.assert(fc.property(fc.jsonValue(), (j) => succeedsOrRefuses(['BAD_CHECKPOINT'], () => void tokenizerFromJSON(j))), { numRuns: 3000, seed: SEED });
  });

  it('char vocabularies of hostile entries (long strings, duplicates, lone surrogates, non-strings)', () => {
    const entry = fc.oneof(fc.string({ maxLength: 2 }), fc.string({ unit: 'binary', maxLength: 2 }), fc.constantFrom('\uD800', '😀', '<', '\u0000'), hostileValue);
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), fc.nat({ max: 50 }), (vocab, max) =>
        succeedsOrRefuses(['BAD_CHECKPOINT'], () => {
          const t = tokenizerFromJSON({ type: 'char', version: 1, vocab }, max);
          if (t.vocabSize > max) throw new Error(`vocabulary of ${t.vocabSize} allowed with a limit of ${max}`);
          t.decode(t.encode(vocab.filter((v): v is string => typeof v === 'string').join('')));
        }),
      ),
      { numRuns: 3000, seed: SEED },
    );
  });
});

describe('decodeCheckpoint under fuzzing (fast-check)', () => {
  const names = ['model.safetensors', 'config.json', 'tokenizer.json'] as const;

  it('one of the three files with bytes overwritten, cut or inserted', () => {
    const byteMutation = fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }), cut: fc.boolean() });
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(byteMutation, { minLength: 1, maxLength: 3 }), (name, muts) => {
        let b = files.get(name)!.slice();
        for (const m of muts) {
          const at = m.at % Math.max(1, b.length);
          if (m.cut) b = b.slice(0, at);
          else b.set(m.bytes.subarray(0, b.length - at), at);
        }
        succeedsOrRefuses(['BAD_CHECKPOINT'], () => void decodeCheckpoint(new Map(files).set(name, b)));
      }),
      { numRuns: 3000, seed: SEED },
    );
  });

  it('config.json or tokenizer.json text mutated, or a field replaced', () => {
    fc.assert(
      fc.property(fc.constantFrom('config.json', 'tokenizer.json'), fc.array(textMutation, { maxLength: 3 }), configKeys, hostileValue, (name, muts, key, value) => {
        const obj = JSON.parse(new TextDecoder().decode(files.get(name)!)) as Record<string, unknown>;
        obj[name === 'config.json' ? key : (['type', 'version', 'vocab'] as const)[key.length % 3]!] = value;
        const text = mutateText(JSON.stringify(obj), muts);
        succeedsOrRefuses(['BAD_CHECKPOINT'], () => void decodeCheckpoint(new Map(files).set(name, utf8.encode(text))));
      }),
      { numRuns: 3000, seed: SEED },
    );
  });
});

describe('hostile model directories are refused at once, before anything is allocated', () => {
  function refusal(fn: () => unknown, ms = 1000): EngineError {
    const t0 = performance.now();
    try {
      fn();
    } catch (e) {
      expect(performance.now() - t0).toBeLessThan(ms);
      expect(e).toBeInstanceOf(EngineError);
      return e as EngineError;
    }
    throw new Error('expected a refusal');
  }
  const withFile = (name: string, bytes: Uint8Array) => new Map(files).set(name, bytes);

  it('a tokenizer with ten million entries (as parsed JSON, and as a 40 MB file)', () => {
    const vocab = new Array<string>(10_000_000).fill('a');
    const e = refusal(() => tokenizerFromJSON({ type: 'char', version: 1, vocab }));
    expect(e.code).toBe('BAD_CHECKPOINT');
    expect(e.message).toBe(`tokenizer.json: its vocabulary has 10,000,000 entries, more than there are Unicode characters.`);
    expect(MAX_CHAR_VOCAB).toBe(1_114_112);
    // Within Unicode's count, but more than the model's vocab_size: refused before it is indexed.
    expect(refusal(() => tokenizerFromJSON({ type: 'char', version: 1, vocab: vocab.slice(0, 1_000_000) }, 65)).message).toMatch(
      /1,000,000 entries, more than the model's vocab_size of 65/,
    );
    const text = new Uint8Array(40_000_000).fill(0x61);
    expect(refusal(() => decodeCheckpoint(withFile('tokenizer.json', text))).message).toMatch(/tokenizer\.json is 40\.0 MB; a tokenizer\.json is at most 16 MB/);
  });

  it('a config.json describing a model far larger than its weights (no layout, no buffer built)', () => {
    for (const over of [{ n_layer: 1_000_000_000 }, { n_embd: 1_000_000, n_head: 1 }, { vocab_size: 2 ** 40 }]) {
      const e = refusal(() => decodeCheckpoint(withFile('config.json', utf8.encode(JSON.stringify({ ...goodConfig, ...over })))));
      expect(e.code).toBe('BAD_CHECKPOINT');
      expect(e.message).toMatch(/model\.safetensors does not match config\.json: the config describes .* but the file holds \d+ tensors|far more than any GPU can hold/);
    }
    expect(refusal(() => decodeCheckpoint(withFile('config.json', new Uint8Array(2_000_000).fill(0x20)))).message).toMatch(/config\.json is 2\.0 MB/);
  });

  it('NaN or infinite weights, naming the tensor and index', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const layout = paramLayout(config);
      const params = initParams(config, layout, 3);
      const wpe = layout.byName.get('wpe.weight')!;
      params[wpe.offset + 5] = bad;
      // encodeCheckpoint writes whatever it is given; the reader is the one that refuses.
      const enc = encodeCheckpoint({ config, tokenizer, params });
      const e = refusal(() => decodeCheckpoint(enc));
      expect(e.code).toBe('BAD_CHECKPOINT');
      expect(e.message).toBe(
        `model.safetensors: tensor wpe.weight holds ${String(bad)} at index 5. A model with NaN or infinite weights cannot generate; it was probably saved after training diverged. Use an earlier save of it.`,
      );
    }
  });

  it('HTML in config.json and tokenizer.json strings is quoted as text in the message, never interpreted here', () => {
    const html = '<img src=x onerror="alert(1)">';
    const e = refusal(() => decodeCheckpoint(withFile('config.json', utf8.encode(JSON.stringify({ ...goodConfig, model_type: html })))));
    expect(e.message).toContain('model_type is "<img src=x onerror=\\"alert(1)\\">"');
    const t = refusal(() => decodeCheckpoint(withFile('tokenizer.json', utf8.encode(JSON.stringify({ type: html, version: 1 })))));
    expect(t.message).toContain('"type" must be "char" or "gpt2", but it is "<img');
    // A vocabulary of HTML-ish characters is just characters.
    const tok = tokenizerFromJSON({ type: 'char', version: 1, vocab: ['<', '>', '&', '"'] });
    expect(tok.decode(tok.encode('<&>'))).toBe('<&>');
  });
});
