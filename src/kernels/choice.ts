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

/** Matmul's variant per shape class and the attention forward's variant; a part left out takes the kernel's default. */
export type KernelChoice = MatmulChoice & { attention?: AttentionVariant };

const LAYOUTS: readonly MatmulLayout[] = ['nn', 'nt', 'tn'];
const chosen = new WeakMap<GPUDevice, KernelChoice>();
const versions = new WeakMap<GPUDevice, number>();

/** Makes `choice` this device's (models built from now on use it; {} is the defaults). Throws if a variant cannot run here. */
export function setKernelChoice(device: GPUDevice, choice: KernelChoice): void {
  const { attention, ...mm } = choice;
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
    if (cls === 'attention') {
      if (!(ATTENTION_VARIANTS as readonly string[]).includes(v!)) throw new Error(`unknown attention variant '${v}' (one of ${ATTENTION_VARIANTS.join(', ')})`);
      choice.attention = v as AttentionVariant;
      continue;
    }
    parseMatmulVariant(v!); // throws on an unknown id
    if (cls === undefined) for (const l of LAYOUTS) choice[l] = v as MatmulVariant;
    else if ((LAYOUTS as readonly string[]).includes(cls) || cls === 'decode') choice[cls as MatmulLayout] = v as MatmulVariant;
    else throw new Error(`matmul choice '${part}': the class must be one of nn, nt, tn, decode, attention`);
  }
  return choice;
}
