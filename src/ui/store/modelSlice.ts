/** Stage 1, the model: a built-in network or the user's LayersModel files. */
import type { DroppedFile, ModelSummary } from '../../worker/studioTypes';
import { buffersOf } from '../lib/files';
import { messageOf, type Slice, type TaskState } from './common';

export interface ModelSlice {
  model: {
    state: TaskState;
    /** What the user asked for: a built-in name or `files`. */
    choice: string;
    summary: ModelSummary | null;
    error: string | null;
  };
  loadBuiltinModel: (name: string) => Promise<void>;
  loadModelFiles: (files: DroppedFile[]) => Promise<void>;
}

export const createModelSlice: Slice<ModelSlice> = (deps) => (set, get) => {
  let request = 0;
  const load = async (choice: string, run: () => Promise<ModelSummary>): Promise<void> => {
    const mine = ++request;
    const before = get().model;
    set((s) => ({ model: { ...s.model, state: 'running', choice, error: null } }));
    try {
      const summary = await run();
      if (mine !== request) return;
      set((s) => ({
        model: { state: 'done', choice, summary, error: null },
        // A dropped image folder was decoded again at this model's input size.
        ...(summary.data ? { data: { ...s.data, summary: summary.data } } : {}),
      }));
      get().resetResults();
    } catch (err) {
      if (mine !== request) return;
      // The previous model stays loaded and shown; only the new one failed.
      set((s) => ({ model: { ...s.model, state: 'error', choice: before.summary ? before.choice : choice, error: messageOf(err) } }));
    }
  };
  return {
    model: { state: 'idle', choice: 'lenet', summary: null, error: null },
    loadBuiltinModel: (name) => load(name, () => deps.engine.call('loadModel', { kind: 'builtin', name })),
    loadModelFiles: (files) =>
      load('files', () => deps.engine.call('loadModel', { kind: 'files', files }, { transfer: buffersOf(files) })),
  };
};
