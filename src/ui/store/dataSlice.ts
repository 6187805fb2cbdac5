/** Stage 1, the data: the built-in digits or the user's IDX files / image folders, and optionally their own validation images. */
import type { DataSummary, DroppedFile, ValidationSource } from '../../worker/studioTypes';
import { buffersOf } from '../lib/files';
import { messageOf, type Slice, type TaskState } from './common';
import { inputLoader, type InputState } from './inputLoader';

export interface DataSlice {
  data: InputState<DataSummary> & { choice: 'builtin' | 'files' };
  /**
   * Giving or removing the user's own validation images. A failure (images that do not fit the data) leaves
   * the data, the validation images before and every result as they were; `error` says what differs.
   */
  validation: { state: TaskState; error: string | null };
  loadBuiltinData: () => Promise<void>;
  loadDataFiles: (files: DroppedFile[]) => Promise<void>;
  /** The user's own validation images: they judge every result, and all of the data trains. */
  loadValidationFiles: (files: DroppedFile[]) => Promise<void>;
  /** Back to validation images held out from the data. */
  removeValidation: () => Promise<void>;
}

export const createDataSlice: Slice<DataSlice> = (deps) => (set, get) => {
  const load = inputLoader('data', set, get, (summary, s) =>
    // A built-in model was rebuilt for the data's image size and classes; an old validation message goes.
    ({ validation: { state: 'idle', error: null }, ...(summary.model ? { model: { ...s.model, summary: summary.model } } : {}) }));
  const validation = async (source: ValidationSource, transfer: ArrayBuffer[]): Promise<void> => {
    set({ validation: { state: 'running', error: null } });
    try {
      const summary = await deps.engine.call('loadValidationData', source, { transfer });
      set((s) => ({ data: { ...s.data, summary, error: null }, validation: { state: 'done', error: null } }));
      get().resetResults();
      get().pairingChanged(summary.pairing);
    } catch (err) {
      set({ validation: { state: 'error', error: messageOf(err) } });
    }
  };
  return {
    data: { state: 'idle', choice: 'builtin', summary: null, error: null },
    validation: { state: 'idle', error: null },
    loadBuiltinData: () => load('builtin', () => deps.engine.call('loadData', { kind: 'builtin' })),
    loadDataFiles: (files) =>
      load('files', () => deps.engine.call('loadData', { kind: 'files', files }, { transfer: buffersOf(files) })),
    loadValidationFiles: (files) => validation({ kind: 'files', files }, buffersOf(files)),
    removeValidation: () => validation({ kind: 'none' }, []),
  };
};
