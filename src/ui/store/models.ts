import { getEngine } from '../../workers/bridge';
import type { ModelInfo } from '../../workers/api';
import { describe } from './errors';
import type { Slice } from './slice';

export interface ModelSlice {
  model?: ModelInfo;
  /** Shown in a role "alert" element: the model in use stays. */
  modelError?: string;
  modelLoading: boolean;
  /** A new model generates from now on: old output and attention go. */
  setModel(model: ModelInfo): void;
  loadModelFromUrl(url: string, name: string, failure?: string): Promise<void>;
  /** model.safetensors + config.json (+ tokenizer.json): ours or a Hugging Face GPT-2 directory. */
  loadModelFiles(files: File[]): Promise<void>;
  renameModel(name: string): Promise<void>;
}

export const createModelSlice: Slice<ModelSlice> = (set, get) => ({
  modelLoading: false,
  setModel: (model) => {
    set({ model, modelError: undefined, output: '', lastRun: undefined });
    get().clearAttention();
  },
  loadModelFromUrl: async (url, name, failure = 'The model could not be loaded') => {
    set({ modelLoading: true });
    try {
      get().setModel(await getEngine().loadModelFromUrl(url, name));
    } catch (e) {
      set({ modelError: `${failure}: ${describe(e).message}` });
    } finally {
      set({ modelLoading: false });
    }
  },
  loadModelFiles: async (files) => {
    const map = new Map<string, Uint8Array>();
    for (const f of files) map.set(f.name, new Uint8Array(await f.arrayBuffer()));
    const name = files.find((f) => f.name.endsWith('.safetensors'))?.webkitRelativePath.split('/')[0] || 'your model';
    set({ modelLoading: true });
    try {
      get().setModel(await getEngine().loadModelFromFiles(map, name));
    } catch (e) {
      set({ modelError: describe(e).message });
    } finally {
      set({ modelLoading: false });
    }
  },
  renameModel: async (name) => {
    try {
      set({ model: await getEngine().renameModel(name) });
    } catch (e) {
      set({ modelError: describe(e).message });
    }
  },
});
