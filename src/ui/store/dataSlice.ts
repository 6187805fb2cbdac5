/** Stage 1, the data: the built-in digits or the user's IDX files / image folders. */
import type { DataSummary, DroppedFile } from '../../worker/studioTypes';
import { buffersOf } from '../lib/files';
import type { Slice } from './common';
import { inputLoader, type InputState } from './inputLoader';

export interface DataSlice {
  data: InputState<DataSummary> & { choice: 'builtin' | 'files' };
  loadBuiltinData: () => Promise<void>;
  loadDataFiles: (files: DroppedFile[]) => Promise<void>;
}

export const createDataSlice: Slice<DataSlice> = (deps) => (set, get) => {
  const load = inputLoader('data', set, get, (summary, s) =>
    // A built-in model was rebuilt for the data's image size and classes.
    (summary.model ? { model: { ...s.model, summary: summary.model } } : {}));
  return {
    data: { state: 'idle', choice: 'builtin', summary: null, error: null },
    loadBuiltinData: () => load('builtin', () => deps.engine.call('loadData', { kind: 'builtin' })),
    loadDataFiles: (files) =>
      load('files', () => deps.engine.call('loadData', { kind: 'files', files }, { transfer: buffersOf(files) })),
  };
};
