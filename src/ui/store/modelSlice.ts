/** Stage 1, the model: a built-in network or the user's LayersModel files. */
import type { DroppedFile, ModelSummary } from '../../worker/studioTypes';
import { buffersOf } from '../lib/files';
import type { Slice } from './common';
import { inputLoader, type InputState } from './inputLoader';

export interface ModelSlice {
  model: InputState<ModelSummary>;
  loadBuiltinModel: (name: string) => Promise<void>;
  loadModelFiles: (files: DroppedFile[]) => Promise<void>;
}

export const createModelSlice: Slice<ModelSlice> = (deps) => (set, get) => {
  const load = inputLoader('model', set, get, (summary, s) =>
    // A dropped image folder was decoded again at this model's input size.
    (summary.data ? { data: { ...s.data, summary: summary.data } } : {}));
  return {
    model: { state: 'idle', choice: 'lenet', summary: null, error: null },
    loadBuiltinModel: (name) => load(name, () => deps.engine.call('loadModel', { kind: 'builtin', name })),
    loadModelFiles: (files) =>
      load('files', () => deps.engine.call('loadModel', { kind: 'files', files }, { transfer: buffersOf(files) })),
  };
};
