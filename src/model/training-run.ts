/**
 * One training run, as the page's worker (src/workers/engine/training.ts) and the CLI
 * (src/node/commands-train.ts) both drive it:
 *   allocate   the model, its trainer and a decoder, inside error scopes (out of memory is
 *              OUT_OF_MEMORY), from fresh or saved weights and trainer state;
 *   run        the shared loop (session.ts), calling `onStep` per completed step and
 *              `onEvaluation` at each evaluation (where `sample` gives text from the current weights);
 *   save       the weights, and the trainer state while the run can continue (a checkpoint);
 *   the end    finished, stopped or diverged (the weights are then the last good step's).
 * What a step, an evaluation or a save means to the caller (a chart, a log line, the library, a
 * model directory) is the caller's. Engine-agnostic: no worker or Node imports.
 */
import { readFloats } from '../gpu/buffers';
import { openErrorScopes } from '../gpu/device';
import { EngineError } from '../errors';
import { validateConfig, type GPTConfig } from './config';
import { Decoder, generate, type TokenDecoder } from './generate';
import { GPT } from './gpt';
import { initParams } from './params';
import { ProbeScorer, type ProbeScores } from './probe';
import { trainingSession, type PauseGate, type SessionEvent } from './session';
import { promptTokens, TextStream } from './text-stream';
import type { Tokenizer } from './tokenizer';
import { Trainer, type TrainerState, type TrainOptions } from './trainer';

export type RunStepEvent = Extract<SessionEvent, { kind: 'step' }>;
export type RunEvalEvent = Extract<SessionEvent, { kind: 'eval' }>;

/** What a run trains: the model shape, optimiser settings, data, and where it starts. */
export interface RunStart {
  config: GPTConfig;
  opts: TrainOptions;
  train: Uint32Array;
  val: Uint32Array;
  tokenizer: Tokenizer;
  /** The weights it starts from (paramLayout order), e.g. those saved with `state`; default GPT-2's initialisation seeded with opts.seed. */
  weights?: Float32Array;
  /** A saved run's trainer state (AdamW moments and step), to continue where it stopped. */
  state?: TrainerState;
  /** Held-out token ids scored at each evaluation (`probeScores`): p(true next token) and the top candidates per position. */
  probe?: ArrayLike<number>;
}

export interface RunHooks {
  /** Each completed step, in order. */
  onStep?(ev: RunStepEvent): void;
  /**
   * Each evaluation, with nothing in flight: the model and decoder may be used (sample, probe, save).
   * A resumed run's evaluation at its first step is in its history already and is not repeated.
   */
  onEvaluation?(ev: RunEvalEvent): Promise<void> | void;
}

export interface RunOptions {
  evalEvery: number;
  /** Stop at the next step boundary. */
  signal?: AbortSignal;
  gate?: PauseGate;
}

/** How a run ended; `step` is the last completed step; a divergence carries its DIVERGED error. */
export interface RunEnd {
  reason: 'finished' | 'stopped' | 'diverged';
  step: number;
  error?: EngineError;
}

/** A checkpoint of a run: its weights, and its trainer state while the run has steps left (to resume). */
export interface RunSave {
  params: Float32Array;
  state?: TrainerState;
}

export class TrainingRun {
  /** The last completed step. */
  step: number;

  private constructor(
    readonly model: GPT,
    readonly trainer: Trainer,
    readonly decoder: Decoder,
    readonly start: RunStart,
    private readonly probe?: ProbeScorer,
  ) {
    this.step = start.state?.step ?? 0;
  }

  /**
   * Makes the run's buffers (weights, gradients, AdamW moments, activations, decoder) inside error
   * scopes checked before the first step: the device's out-of-memory is OUT_OF_MEMORY (`what` says
   * what was being allocated). TOO_LARGE (validateConfig) before anything is allocated.
   */
  static async allocate(device: GPUDevice, start: RunStart, what: string): Promise<TrainingRun> {
    const { config, opts } = start;
    validateConfig(config, device.limits, opts.batch, opts.seqLen);
    const scopes = openErrorScopes(device, what);
    let model: GPT | undefined;
    let trainer: Trainer | undefined;
    let decoder: Decoder | undefined;
    let probe: ProbeScorer | undefined;
    try {
      model = new GPT(device, config, { training: true });
      model.setWeights(start.weights ?? initParams(config, model.layout, opts.seed));
      trainer = new Trainer(model, start.train, start.val, opts);
      if (start.state) trainer.restoreState(start.state);
      decoder = new Decoder(model);
      if (start.probe && start.probe.length >= 2) probe = new ProbeScorer(trainer, start.probe);
      await scopes.check();
      return new TrainingRun(model, trainer, decoder, start, probe);
    } catch (e) {
      probe?.destroy();
      decoder?.destroy();
      trainer?.destroy();
      model?.destroy();
      throw e;
    } finally {
      scopes.close();
    }
  }

  /** Runs the loop to its end. A divergence ends it (reason 'diverged'); any other error is thrown. */
  async run(hooks: RunHooks, o: RunOptions): Promise<RunEnd> {
    const resumedAt = this.start.state?.step;
    try {
      for await (const ev of trainingSession(this.trainer, { evalEvery: o.evalEvery, signal: o.signal, gate: o.gate })) {
        if (ev.kind === 'step') {
          this.step = ev.step;
          hooks.onStep?.(ev);
        } else if (ev.kind === 'eval') {
          if (ev.step === resumedAt) continue; // the saved evaluation of this step is in the history
          await hooks.onEvaluation?.(ev);
        } else {
          return { reason: ev.reason, step: this.step };
        }
      }
      throw new Error('training loop ended without an end event');
    } catch (e) {
      if (e instanceof EngineError && e.code === 'DIVERGED') return { reason: 'diverged', step: this.step, error: e };
      throw e;
    }
  }

  /** About `chars` characters sampled from the current weights (fixed seed, so samples compare across evaluations). Nothing may be in flight: call it from onEvaluation. */
  sample(chars: number): Promise<string> {
    return sampleText(this.decoder, this.start.tokenizer, chars);
  }

  /** The probe's scores with the current weights (undefined without a probe). Nothing may be in flight: call it from onEvaluation. SYNC POINT (one read-back). */
  probeScores(): Promise<ProbeScores> | undefined {
    return this.probe?.score();
  }

  /** Positions the probe scores (0 without a probe). */
  get probePositions(): number {
    return this.probe?.n ?? 0;
  }

  /**
   * The weights now, and (`withState`) the trainer state if `step` leaves steps to run. No steps are in flight
   * at an evaluation or the end; after a divergence there may be: then the weights only.
   * SYNC POINT (read-back).
   */
  async save(step = this.step, withState = true): Promise<RunSave> {
    const params = await readFloats(this.model.device, this.model.params);
    const state = withState && step < this.start.opts.steps ? await this.trainer.saveState().catch(() => undefined) : undefined;
    return { params, state };
  }

  destroy(): void {
    this.probe?.destroy();
    this.decoder.destroy();
    this.trainer.destroy();
    this.model.destroy();
  }
}

/** A short sample from a model being trained (at each evaluation): fixed seed, so samples compare across steps. */
export async function sampleText(decoder: TokenDecoder, tokenizer: Tokenizer, chars: number, signal?: AbortSignal): Promise<string> {
  const stream = new TextStream(tokenizer);
  const maxNewTokens = tokenizer.kind === 'char' ? chars : Math.ceil(chars / 4);
  for await (const step of generate(decoder, promptTokens(tokenizer, '\n'), { maxNewTokens, temperature: 0.8, topK: 0, topP: 1, seed: 1, signal })) stream.push(step.token);
  return stream.text;
}
