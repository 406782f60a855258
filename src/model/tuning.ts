/**
 * Kernel tuning for the engine (src/workers may reach kernels only through src/model): call
 * `await tuneMatmul(device, store, onProgress)` once after the device is created and before any
 * model is built; `store` is a TuningStore from src/gpu/tuner.ts (indexedDbTuningStore() in the
 * worker). A page load on an adapter tuned before reads the store and times nothing.
 */
export { tuneMatmul, type MatmulTuning, type TuneMatmulOptions } from '../kernels/matmul_tune';
