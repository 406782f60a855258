/**
 * The pipelines a model's first generation needs, compiled while its weights download: the
 * engine knows the model's config (config.json) long before its bytes have arrived. A dry run of
 * that generation (a GPT and its Decoder of this config, a short prompt and one token through
 * `generate` with capture, as the page generates) on a recording device (src/gpu/compile.ts)
 * names every pipeline it builds; they are compiled with createComputePipelineAsync, in parallel,
 * and the real build later takes them from the cache. The kernels are the device's choice of the
 * moment (on a first visit the defaults: the tuner runs later, in the background).
 */
import { compileAhead, recordPipelines, type CompileReport } from '../gpu/compile';
import { kernelChoice, setKernelChoice } from '../kernels/choice';
import type { GPTConfig } from './config';
import { Decoder, generate, type DecoderOptions } from './generate';
import { GPT } from './gpt';

export type { CompileReport } from '../gpu/compile';

/** Tokens of the dry run's prompt. */
const DRY_PROMPT = 8;

/**
 * Compiles, ahead, the pipelines of the first generation of a model of `config` on `device`, with
 * a decoder of each of `decoders` (the engine builds the f32 one with the model and the 16-bit one
 * when the page first generates with it).
 */
export async function compileForGeneration(device: GPUDevice, config: GPTConfig, decoders: readonly DecoderOptions[] = [{}]): Promise<CompileReport> {
  const specs = await recordPipelines(device, async (dry) => {
    setKernelChoice(dry, kernelChoice(device));
    const model = new GPT(dry, config);
    const prompt = Array.from({ length: Math.min(DRY_PROMPT, config.block_size - 1) }, (_, i) => i % config.vocab_size);
    for (const opts of decoders) {
      const dec = new Decoder(model, opts);
      for await (const _ of generate(dec, prompt, { maxNewTokens: 1, captureAttention: true })) break;
    }
  });
  return compileAhead(device, specs);
}
