/**
 * Which kernels a device builds: one `KernelChoice` per device, resolved once when the device is
 * made (read back from the store, forced, or tuned: on a first visit in the background, after the
 * first model already runs on the defaults: src/kernels/tune.ts) and held here. A model reads it
 * whenever it records (GPT.kernels) and passes it into the kernels it records: `matmul`'s `choice`,
 * `attentionForward`'s `variant`. The kernels themselves hold no choice; without one they build
 * their default (the subgroup kernels where src/gpu/subgroups.ts's probe passed).
 */
import { attentionVariantRuns, ATTENTION_VARIANTS, type AttentionVariant } from './attention';
import { matmulVariantRuns, parseMatmulVariant, type MatmulChoice, type MatmulLayout, type MatmulVariant } from './matmul';
import { storage16Runs } from './matvec16';

/**
 * The weights a decoder reads (src/model/f16.ts): 'f32' the model's own, or a 16-bit copy that
 * 'f16packed' widens from u32 pairs (every adapter) and 'f16' reads as array<f16> (shader-f16).
 */
export const WEIGHTS_CHOICES = ['f32', 'f16packed', 'f16'] as const;
export type WeightsChoice = (typeof WEIGHTS_CHOICES)[number];

/** Whether the decoder's weights `w` can run on this device ('f16' needs shader-f16). */
export function weightsChoiceRuns(device: GPUDevice, w: string): w is WeightsChoice {
  return (WEIGHTS_CHOICES as readonly string[]).includes(w) && (w !== 'f16' || storage16Runs(device, 'f16'));
}

/**
 * Matmul's variant per shape class, the attention forward's variant, and the decoder weights that
 * decoded fastest (class 'weights', src/kernels/tune-weights.ts: the default of the page's weights
 * choice); a part left out takes the default.
 */
export type KernelChoice = MatmulChoice & { attention?: AttentionVariant; weights?: WeightsChoice };

const LAYOUTS: readonly MatmulLayout[] = ['nn', 'nt', 'tn'];
const chosen = new WeakMap<GPUDevice, KernelChoice>();
const versions = new WeakMap<GPUDevice, number>();

/** Makes `choice` this device's (models built from now on use it; {} is the defaults). Throws if a variant cannot run here. */
export function setKernelChoice(device: GPUDevice, choice: KernelChoice): void {
  const { attention, weights, ...mm } = choice;
  if (weights !== undefined && !weightsChoiceRuns(device, weights)) throw new Error(`decoder weights ${weights} cannot run on this device`);
  for (const v of Object.values(mm)) if (!matmulVariantRuns(device, v)) throw new Error(`matmul variant ${v} cannot run on this device`);
  if (attention !== undefined && !attentionVariantRuns(device, attention)) throw new Error(`attention variant ${attention} cannot run on this device`);
  chosen.set(device, { ...choice });
  versions.set(device, kernelChoiceVersion(device) + 1);
}

/**
 * How many times this device's choice was set (0: never, the defaults). A program recorded with
 * the device's choice re-records when this moved on: the tuner that runs in the background on a
 * first visit sets the choice while a model is already generating with the defaults.
 */
export function kernelChoiceVersion(device: GPUDevice): number {
  return versions.get(device) ?? 0;
}

/** This device's choice (a copy; {} until one is set). */
export function kernelChoice(device: GPUDevice): KernelChoice {
  return { ...chosen.get(device) };
}

/** The part of a stored choice this build can run on this device: an id it no longer has, or cannot run, falls back to the default. */
export function usableChoice(device: GPUDevice, stored: Record<string, string>): KernelChoice {
  const choice: KernelChoice = {};
  for (const [cls, v] of Object.entries(stored)) {
    if (cls === 'attention') {
      if (attentionVariantRuns(device, v)) choice.attention = v;
      continue;
    }
    if (cls === 'weights') {
      if (weightsChoiceRuns(device, v)) choice.weights = v;
      continue;
    }
    try {
      if (matmulVariantRuns(device, v as MatmulVariant)) choice[cls as MatmulLayout] = v as MatmulVariant;
    } catch {
      /* unknown id: default */
    }
  }
  return choice;
}

/** Parses a forced choice: 'variant' for every matmul layout class, or 'class=variant,...' ('attention=tiled' for the attention forward). */
export function parseKernelChoice(force: string): KernelChoice {
  const choice: KernelChoice = {};
  for (const part of force.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [cls, v] = part.includes('=') ? part.split('=', 2).map((s) => s.trim()) : [undefined, part];
    if (cls === 'weights') {
      if (!(WEIGHTS_CHOICES as readonly string[]).includes(v!)) throw new Error(`unknown decoder weights '${v}' (one of ${WEIGHTS_CHOICES.join(', ')})`);
      choice.weights = v as WeightsChoice;
      continue;
    }
    if (cls === 'attention') {
      if (!(ATTENTION_VARIANTS as readonly string[]).includes(v!)) throw new Error(`unknown attention variant '${v}' (one of ${ATTENTION_VARIANTS.join(', ')})`);
      choice.attention = v as AttentionVariant;
      continue;
    }
    parseMatmulVariant(v!); // throws on an unknown id
    if (cls === undefined) for (const l of LAYOUTS) choice[l] = v as MatmulVariant;
    else if ((LAYOUTS as readonly string[]).includes(cls) || cls === 'decode') choice[cls as MatmulLayout] = v as MatmulVariant;
    else throw new Error(`matmul choice '${part}': the class must be one of nn, nt, tn, decode, attention, weights`);
  }
  return choice;
}
