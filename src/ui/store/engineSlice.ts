/** The engine worker: which backend runs, the self-test, and bringing back the last visit's work. */
import type { InitResult, SelfTestResult } from '../../worker/messages';
import type { RestoredWork } from '../../worker/studioTypes';
import { messageOf, type Slice, type TaskState } from './common';
import { restoredState, restoredSummary, worthANote, type RestoreNote } from './restore';

export interface EngineSlice {
  engine: {
    state: TaskState;
    info: InitResult | null;
    error: string | null;
    selfTest: { state: TaskState; result: SelfTestResult | null; error: string | null };
  };
  /** The last visit's work coming back, or back (or not): shown until dismissed. */
  restored: RestoreNote | null;
  startEngine: () => Promise<void>;
  dismissRestored: () => void;
  runSelfTest: () => Promise<void>;
}

export const createEngineSlice: Slice<EngineSlice> = (deps) => (set, get) => {
  /** Brings back the last visit's work; false when there was none (or it could not be read). */
  const restore = async (): Promise<boolean> => {
    set({ restored: { state: 'running', summary: '', notes: [] } });
    let work: RestoredWork | null;
    try {
      work = await deps.engine.call('restore', {});
    } catch (err) {
      set({ restored: { state: 'failed', summary: '', notes: [`The work of your last visit could not be brought back: ${messageOf(err)}`] } });
      return false;
    }
    if (!work) {
      set({ restored: null });
      return false;
    }
    const restored = work;
    set((s) => restoredState(restored, s));
    const notes = [...restored.notes];
    if (restored.search && !restored.search.done) {
      notes.push(`The search had not finished; its ${restored.search.candidates.length} candidate(s) are back, and Run a new search measures more.`);
    }
    const lost = restored.search ? restored.search.candidates.length - restored.search.exportable.length : 0;
    if (lost > 0) notes.push(`${lost} candidate(s) came back without their models (too large to keep); run the search again to export those.`);
    set({ restored: worthANote(restored) ? { state: 'done', summary: restoredSummary(restored), notes } : null });
    // Scores, the rule's choice and the check of the user's model are quick to ask for again; they are not saved.
    await get().checkModel();
    if (restored.training) await get().computeScores();
    if (restored.search?.candidates.length) await get().setRule(get().rule);
    return true;
  };

  return {
    engine: { state: 'idle', info: null, error: null, selfTest: { state: 'idle', result: null, error: null } },
    restored: null,
    startEngine: async () => {
      if (get().engine.state !== 'idle') return;
      set((s) => ({ engine: { ...s.engine, state: 'running' } }));
      let info: InitResult;
      try {
        info = await deps.engine.call('init', { requested: deps.requestedBackend });
      } catch (err) {
        set((s) => ({ engine: { ...s.engine, state: 'error', error: messageOf(err) } }));
        return;
      }
      // The backend shows at once; the controls wait until the last visit's work is back.
      set((s) => ({ engine: { ...s.engine, info } }));
      const restored = await restore();
      set((s) => ({ engine: { ...s.engine, state: 'done' } }));
      if (restored) return;
      // Nothing to bring back: the demo is ready on arrival, the built-in model and digits.
      // One after the other: the worker does one state-changing call at a time.
      await get().loadBuiltinModel('lenet');
      await get().loadBuiltinData();
    },
    dismissRestored: () => set({ restored: null }),
    runSelfTest: async () => {
      set((s) => ({ engine: { ...s.engine, selfTest: { state: 'running', result: null, error: null } } }));
      try {
        const result = await deps.engine.call('selfTest', {});
        set((s) => ({ engine: { ...s.engine, selfTest: { state: 'done', result, error: null } } }));
      } catch (err) {
        set((s) => ({ engine: { ...s.engine, selfTest: { state: 'error', result: null, error: messageOf(err) } } }));
      }
    },
  };
};
