/**
 * Saved work as the page sees it: the latest save that failed (and what it
 * was), the latest training checkpoint saved, whether the browser promised
 * to keep the storage, and forgetting it all.
 */
import type { StorageNotice } from '../../worker/studioTypes';
import { messageOf, type Slice } from './common';

export interface SaveFailure {
  what: string;
  reason: string;
  /** Failed saves since the notice was last dismissed. */
  count: number;
}

export interface SavingSlice {
  saving: {
    failure: SaveFailure | null;
    /** The step of the running training's latest checkpoint that was saved. */
    checkpointStep: number | null;
    /** navigator.storage.persist()'s answer; null until asked, or where there is none. */
    persisted: boolean | null;
    error: string | null;
  };
  storageNotice: (notice: StorageNotice) => void;
  dismissSaveFailure: () => void;
  /** Asks the browser not to clear the saved work under storage pressure. */
  requestPersistentStorage: () => Promise<void>;
  /** Removes all saved work and starts afresh with the demo. */
  forgetSavedWork: () => Promise<void>;
}

export const createSavingSlice: Slice<SavingSlice> = (deps) => (set, get) => ({
  saving: { failure: null, checkpointStep: null, persisted: null, error: null },

  storageNotice: (notice) =>
    set((s) => ({
      saving: notice.kind === 'failed'
        ? { ...s.saving, failure: { what: notice.what, reason: notice.reason, count: (s.saving.failure?.count ?? 0) + 1 } }
        : { ...s.saving, checkpointStep: notice.step ?? s.saving.checkpointStep },
    })),

  dismissSaveFailure: () => set((s) => ({ saving: { ...s.saving, failure: null } })),

  requestPersistentStorage: async () => {
    const storage = globalThis.navigator?.storage;
    if (!storage?.persist) return;
    try {
      const persisted = (await storage.persisted?.()) || (await storage.persist());
      set((s) => ({ saving: { ...s.saving, persisted } }));
    } catch {
      set((s) => ({ saving: { ...s.saving, persisted: false } }));
    }
  },

  forgetSavedWork: async () => {
    try {
      await deps.engine.call('forgetSavedWork', {});
    } catch (err) {
      set((s) => ({ saving: { ...s.saving, error: messageOf(err) } }));
      return;
    }
    set((s) => ({ restored: null, saving: { ...s.saving, failure: null, checkpointStep: null, error: null } }));
    get().resetResults();
    // One after the other: the worker does one state-changing call at a time.
    await get().loadBuiltinModel('lenet');
    await get().loadBuiltinData();
  },
});
