/** The engine worker: which backend runs, and the self-test. */
import type { InitResult, SelfTestResult } from '../../worker/messages';
import { messageOf, type Slice, type TaskState } from './common';

export interface EngineSlice {
  engine: {
    state: TaskState;
    info: InitResult | null;
    error: string | null;
    selfTest: { state: TaskState; result: SelfTestResult | null; error: string | null };
  };
  startEngine: () => Promise<void>;
  runSelfTest: () => Promise<void>;
}

export const createEngineSlice: Slice<EngineSlice> = (deps) => (set, get) => ({
  engine: { state: 'idle', info: null, error: null, selfTest: { state: 'idle', result: null, error: null } },

  startEngine: async () => {
    if (get().engine.state !== 'idle') return;
    set((s) => ({ engine: { ...s.engine, state: 'running' } }));
    try {
      const info = await deps.engine.call('init', { requested: deps.requestedBackend });
      set((s) => ({ engine: { ...s.engine, state: 'done', info } }));
    } catch (err) {
      set((s) => ({ engine: { ...s.engine, state: 'error', error: messageOf(err) } }));
      return;
    }
    // The demo is ready on arrival: the built-in model and digits.
    // One after the other: the worker does one state-changing call at a time.
    await get().loadBuiltinModel('lenet');
    await get().loadBuiltinData();
  },

  runSelfTest: async () => {
    set((s) => ({ engine: { ...s.engine, selfTest: { state: 'running', result: null, error: null } } }));
    try {
      const result = await deps.engine.call('selfTest', {});
      set((s) => ({ engine: { ...s.engine, selfTest: { state: 'done', result, error: null } } }));
    } catch (err) {
      set((s) => ({ engine: { ...s.engine, selfTest: { state: 'error', result: null, error: messageOf(err) } } }));
    }
  },
});
