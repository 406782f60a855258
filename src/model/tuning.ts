/**
 * Kernel tuning for the engine (src/workers may reach kernels only through src/model): call
 * `await tuneKernels(device, store, onProgress)` once after the device is created (or
 * `storedKernelTuning` at once and tuneKernels in the background, see src/workers/engine/device.ts):
 * it resolves the device's KernelChoice (matmul and attention variants), which
 * every GPT built on the device then records. `store` is a TuningStore from src/gpu/tuner.ts
 * (indexedDbTuningStore() in the worker). A page load on an adapter tuned before reads the store
 * and times nothing.
 */
export { storedKernelTuning, tuneKernels, type KernelTuningResult, type TuneKernelsOptions } from '../kernels/tune';
export { kernelChoice } from '../kernels/choice';
