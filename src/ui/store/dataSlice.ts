/** Stage 1, the data: the built-in digits or the user's IDX files / image folders. */
import type { DataSummary, DroppedFile } from '../../worker/studioTypes';
import { buffersOf } from '../lib/files';
import { messageOf, type Slice, type TaskState } from './common';

export interface DataSlice {
  data: {
    state: TaskState;
    choice: 'builtin' | 'files';
    summary: DataSummary | null;
    error: string | null;
  };
  loadBuiltinData: () => Promise<void>;
  loadDataFiles: (files: DroppedFile[]) => Promise<void>;
}

export const createDataSlice: Slice<DataSlice> = (deps) => (set, get) => {
  let request = 0;
  const load = async (choice: 'builtin' | 'files', run: () => Promise<DataSummary>): Promise<void> => {
    const mine = ++request;
    const before = get().data;
    set((s) => ({ data: { ...s.data, state: 'running', choice, error: null } }));
    try {
      const summary = await run();
      if (mine !== request) return;
      set((s) => ({
        data: { state: 'done', choice, summary, error: null },
        // A built-in model was rebuilt for the data's image size and classes.
        ...(summary.model ? { model: { ...s.model, summary: summary.model } } : {}),
      }));
      get().resetResults();
    } catch (err) {
      if (mine !== request) return;
      set((s) => ({ data: { ...s.data, state: 'error', choice: before.summary ? before.choice : choice, error: messageOf(err) } }));
    }
  };
  return {
    data: { state: 'idle', choice: 'builtin', summary: null, error: null },
    loadBuiltinData: () => load('builtin', () => deps.engine.call('loadData', { kind: 'builtin' })),
    loadDataFiles: (files) =>
      load('files', () => deps.engine.call('loadData', { kind: 'files', files }, { transfer: buffersOf(files) })),
  };
};
