import { describe, expect, it } from 'vitest';
import { countParams, fromHfConfig, TINY_SHAKESPEARE_CONFIG, toHfConfig, validateConfig, type GPTConfig } from './config';
import { paramLayout } from './params';
import { engineError } from '../../test/engine-error';

const GPT2_SMALL: GPTConfig = { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 };
/** WebGPU's guaranteed minimums: 128 MiB per binding, 256 MiB per buffer. */
const DEFAULT_LIMITS = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
const BIG_LIMITS = { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 32 };

describe('config', () => {
  it('has the nanoGPT Shakespeare CPU recipe', () => {
    expect(TINY_SHAKESPEARE_CONFIG).toEqual({ n_layer: 4, n_head: 4, n_embd: 128, block_size: 64, vocab_size: 65 });
    expect(() => validateConfig(TINY_SHAKESPEARE_CONFIG, DEFAULT_LIMITS, 64)).not.toThrow();
  });

  it('counts GPT-2 small as 124,439,808 parameters', () => {
    expect(countParams(GPT2_SMALL)).toBe(124_439_808);
    const layout = paramLayout(TINY_SHAKESPEARE_CONFIG);
    expect(countParams(TINY_SHAKESPEARE_CONFIG)).toBe(layout.tensors.reduce((a, t) => a + t.size, 0));
  });

  it('rejects malformed configs with BAD_CONFIG and says why', () => {
    const cases: [Partial<GPTConfig>, RegExp][] = [
      [{ n_embd: 130 }, /n_embd \(130\) must be divisible by n_head \(4\)/],
      [{ n_layer: 0 }, /n_layer must be a positive whole number, but it is 0/],
      [{ n_head: 2.5 }, /n_head must be a positive whole number, but it is 2.5/],
      [{ block_size: -1 }, /block_size must be a positive whole number/],
      [{ vocab_size: NaN }, /vocab_size must be a positive whole number, but it is NaN/],
      [{ n_embd: '128' as unknown as number }, /n_embd must be a positive whole number, but it is "128"/],
    ];
    for (const [patch, message] of cases) {
      const err = engineError(() => validateConfig({ ...TINY_SHAKESPEARE_CONFIG, ...patch }));
      expect(err.code).toBe('BAD_CONFIG');
      expect(err.message).toMatch(message);
    }
    expect(engineError(() => validateConfig(TINY_SHAKESPEARE_CONFIG, DEFAULT_LIMITS, 0)).message).toMatch(/batch size/);
  });

  it('rejects models whose buffers exceed the adapter limits with TOO_LARGE', () => {
    // GPT-2 small's 498 MB of parameters exceed the default 256 MiB buffer.
    const params = engineError(() => validateConfig(GPT2_SMALL, DEFAULT_LIMITS));
    expect(params.code).toBe('TOO_LARGE');
    expect(params.message).toMatch(/maxBufferSize/);
    // With big buffers but the default binding size: the 154 MB wte is bound in chunks, so the model
    // itself fits (generation), but a training step at T = 1024 would bind its 196 MiB of logits.
    const bindOnly = { ...BIG_LIMITS, maxStorageBufferBindingSize: DEFAULT_LIMITS.maxStorageBufferBindingSize };
    expect(() => validateConfig(GPT2_SMALL, bindOnly)).not.toThrow();
    const binding = engineError(() => validateConfig(GPT2_SMALL, bindOnly, 1));
    expect(binding.code).toBe('TOO_LARGE');
    expect(binding.message).toMatch(/maxStorageBufferBindingSize/);
    expect(binding.message).toMatch(/logits/);
    expect(() => validateConfig(GPT2_SMALL, bindOnly, 1, 512)).not.toThrow(); // 98 MiB of logits
    expect(() => validateConfig(GPT2_SMALL, BIG_LIMITS, 4)).not.toThrow();
    // A tiny model with an enormous batch: the activations, not the parameters, are too big.
    const batch = engineError(() => validateConfig(TINY_SHAKESPEARE_CONFIG, DEFAULT_LIMITS, 100_000));
    expect(batch.code).toBe('TOO_LARGE');
    expect(batch.message).toMatch(/batch 100000/);
    expect(batch.message).toMatch(/reduce the batch size/);
    // Absurd sizes fail fast instead of building a huge layout.
    expect(engineError(() => validateConfig({ ...TINY_SHAKESPEARE_CONFIG, n_layer: 1e9 }, DEFAULT_LIMITS)).code).toBe('TOO_LARGE');
    expect(engineError(() => validateConfig({ ...TINY_SHAKESPEARE_CONFIG, n_embd: 2 ** 40, n_head: 1 })).code).toBe('TOO_LARGE');
  });
});

describe('Hugging Face config.json', () => {
  it('writes what GPT2Config reads', () => {
    const j = toHfConfig(TINY_SHAKESPEARE_CONFIG);
    expect(j).toMatchObject({
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      n_layer: 4,
      n_head: 4,
      n_embd: 128,
      n_positions: 64,
      n_ctx: 64,
      vocab_size: 65,
      layer_norm_epsilon: 1e-5,
      activation_function: 'gelu_new',
      tie_word_embeddings: true,
      resid_pdrop: 0,
      embd_pdrop: 0,
      attn_pdrop: 0,
    });
    // A character vocabulary has no <|endoftext|>; GPT-2's does. Null, not absent: GPT2Config's default is 50256.
    expect(j).toMatchObject({ bos_token_id: null, eos_token_id: null });
    expect(toHfConfig(GPT2_SMALL)).toMatchObject({ bos_token_id: 50256, eos_token_id: 50256 });
  });

  it('round-trips through JSON', () => {
    expect(fromHfConfig(JSON.parse(JSON.stringify(toHfConfig(TINY_SHAKESPEARE_CONFIG))))).toEqual(TINY_SHAKESPEARE_CONFIG);
  });

  it("reads Hugging Face's gpt2 config.json", () => {
    const hf = JSON.parse(`{
      "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
      "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
      "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12,
      "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1, "summary_activation": null,
      "summary_first_dropout": 0.1, "summary_proj_to_labels": true, "summary_type": "cls_index",
      "summary_use_proj": true, "task_specific_params": { "text-generation": { "do_sample": true, "max_length": 50 } },
      "vocab_size": 50257 }`);
    expect(fromHfConfig(hf)).toEqual(GPT2_SMALL);
  });

  it('accepts n_ctx without n_positions, missing defaults, and gelu_pytorch_tanh', () => {
    const { n_positions: _, layer_norm_epsilon: __, activation_function: ___, ...old } = toHfConfig(TINY_SHAKESPEARE_CONFIG);
    expect(fromHfConfig(old)).toEqual(TINY_SHAKESPEARE_CONFIG);
    expect(fromHfConfig({ ...old, activation_function: 'gelu_pytorch_tanh' })).toEqual(TINY_SHAKESPEARE_CONFIG);
  });

  it('refuses configs it cannot run, with BAD_CHECKPOINT and a clear message', () => {
    const good = toHfConfig(TINY_SHAKESPEARE_CONFIG);
    const { n_positions: _, n_ctx: __, ...noContext } = good;
    const { n_head: ___, ...noHeads } = good;
    const cases: [unknown, RegExp][] = [
      [null, /expected a JSON object/],
      [[1, 2], /expected a JSON object/],
      [noHeads, /"n_head" is missing/],
      [noContext, /neither "n_positions" nor "n_ctx"/],
      [{ ...good, n_layer: '4' }, /"n_layer" must be a positive whole number/],
      [{ ...good, activation_function: 'relu' }, /activation_function is "relu"/],
      [{ ...good, activation_function: 'gelu' }, /only implements GPT-2's tanh GELU/],
      [{ ...good, layer_norm_epsilon: 1e-6 }, /layer_norm_epsilon is 0.000001; .*1e-5/],
      [{ ...good, model_type: 'llama' }, /model_type is "llama"/],
      [{ ...good, n_inner: 100 }, /n_inner is 100/],
      [{ ...good, scale_attn_by_inverse_layer_idx: true }, /scale_attn_by_inverse_layer_idx/],
      [{ ...good, n_embd: 130 }, /config.json: n_embd \(130\) must be divisible by n_head/],
    ];
    for (const [json, message] of cases) {
      const err = engineError(() => fromHfConfig(json));
      expect(err.code).toBe('BAD_CHECKPOINT');
      expect(err.message).toMatch(message);
    }
  });
});
