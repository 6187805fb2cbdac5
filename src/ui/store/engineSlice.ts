/**
 * The engine worker: which backend runs, the self-test, bringing back the
 * last visit's work, and starting a new worker when one dies.
 */
import { BACKEND_ORDER, type BackendName } from '../../contract/backends';
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
    /** After the worker died: what happened and what was done about it. */
    recovery: { state: TaskState; text: string } | null;
    /** Workers started again after a crash, in this visit. */
    restarts: number;
  };
  /** The last visit's work coming back, or back (or not): shown until dismissed. */
  restored: RestoreNote | null;
  startEngine: () => Promise<void>;
  /** The worker died (`reason`, a sentence): starts a new one on the next backend and brings the saved work back. */
  recoverEngine: (reason: string) => Promise<void>;
  dismissRestored: () => void;
  runSelfTest: () => Promise<void>;
}

/** Workers started again after crashes in one visit, before the page gives up and asks for a reload. */
export const MAX_RESTARTS = 3;

/** After a crash on `backend`, the next one in the chain (the last one stays). */
export function nextBackend(backend: BackendName | null): BackendName {
  const index = backend ? BACKEND_ORDER.indexOf(backend) : -1;
  return BACKEND_ORDER[Math.min(index + 1, BACKEND_ORDER.length - 1)];
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
    // A visit that ended before its data was loaded (a reload in the middle of the demo's loading), or whose data
    // cannot be read again, opens with the built-in digits as a first visit does.
    if (!restored.data) await get().loadBuiltinData();
    // Scores, the rule's choice and the check of the user's model are quick to ask for again; they are not saved.
    await get().checkModel();
    if (restored.training) await get().computeScores();
    if (restored.search?.candidates.length) await get().setRule(get().rule);
    return true;
  };

  /** Chooses the backend, then brings back the saved work, or else loads the demo; null when the worker failed to start. */
  const boot = async (requested: string | null): Promise<{ info: InitResult; restored: boolean } | null> => {
    set((s) => ({ engine: { ...s.engine, state: 'running', info: null, error: null } }));
    let info: InitResult;
    try {
      // `?threads=` only when the address has it: the worker's rule decides otherwise.
      const threads = deps.requestedThreads ? { threads: deps.requestedThreads } : {};
      info = await deps.engine.call('init', { requested, ...threads });
    } catch (err) {
      set((s) => ({ engine: { ...s.engine, state: 'error', error: messageOf(err) } }));
      return null;
    }
    // The backend shows at once; the controls wait until the last visit's work is back.
    set((s) => ({ engine: { ...s.engine, info } }));
    const restored = await restore();
    set((s) => ({ engine: { ...s.engine, state: 'done' } }));
    if (!restored) {
      // Nothing to bring back: the demo is ready on arrival, the built-in model and digits.
      // One after the other: the worker does one state-changing call at a time.
      await get().loadBuiltinModel('lenet');
      await get().loadBuiltinData();
    }
    return { info, restored };
  };

  return {
    engine: { state: 'idle', info: null, error: null, selfTest: { state: 'idle', result: null, error: null }, recovery: null, restarts: 0 },
    restored: null,
    startEngine: async () => {
      if (get().engine.state !== 'idle') return;
      await boot(deps.requestedBackend);
    },
    recoverEngine: async (reason) => {
      const { engine } = get();
      const failed = (text: string): void => set((s) => ({ engine: { ...s.engine, recovery: { state: 'error', text } } }));
      if (engine.restarts >= MAX_RESTARTS) return failed(`${reason} The engine was restarted ${engine.restarts} times already; reload the page.`);
      if (!deps.restartEngine?.()) return failed(`${reason} Reload the page to start it again.`);
      const next = nextBackend(engine.info?.backend ?? null);
      set((s) => ({
        engine: { ...s.engine, restarts: s.engine.restarts + 1, recovery: { state: 'running', text: `${reason} Starting it again on ${next}…` } },
      }));
      const started = await boot(next);
      if (!started) return failed(`${reason} It could not be started again on ${next}; reload the page.`);
      const resumable = get().training.resumable;
      const back = !started.restored ? 'nothing had been saved yet, so the demo is loaded'
        : resumable ? `your saved work is back, and the training can be resumed from step ${resumable.step}` : 'your saved work is back';
      set((s) => ({
        engine: { ...s.engine, recovery: { state: 'done', text: `${reason} It was started again on ${started.info.backend}; ${back}.` } },
      }));
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
