/**
 * Stage 1, how the model and the data go together: the preprocessing the
 * images get, whether a dropped model waits for data that fits, and the check
 * that the user's own model reads the images right (its accuracy on them).
 */
import { DEFAULT_SCALING, type InputScaling } from '../../contract/preprocessing';
import type { InputPairing, Reference } from '../../worker/studioTypes';
import { messageOf, type Slice, type TaskState } from './common';

export interface InputsSlice {
  inputs: {
    /** The preprocessing in use, as the worker last said. */
    scaling: InputScaling;
    /** Why the model waits for other data; null when model and data fit. */
    pending: string | null;
    /** Changing the preprocessing. */
    state: TaskState;
    error: string | null;
    /** The user's model measured on the images as preprocessed (null for a built-in model). */
    check: { state: TaskState; reference: Reference | null; error: string | null };
  };
  /** The worker's word on model and data after a load or a restore; then the check runs again. */
  pairingChanged: (pairing: InputPairing | undefined) => void;
  setPreprocessing: (scaling: InputScaling) => Promise<void>;
  checkModel: () => Promise<void>;
}

const noCheck = (): InputsSlice['inputs']['check'] => ({ state: 'idle', reference: null, error: null });

export const createInputsSlice: Slice<InputsSlice> = (deps) => (set, get) => {
  let checks = 0;
  return {
    inputs: { scaling: DEFAULT_SCALING, pending: null, state: 'idle', error: null, check: noCheck() },

    pairingChanged: (pairing) => {
      set((s) => ({ inputs: { ...s.inputs, ...(pairing ?? {}), error: null, check: noCheck() } }));
      void get().checkModel();
    },

    setPreprocessing: async (scaling) => {
      set((s) => ({ inputs: { ...s.inputs, state: 'running', error: null } }));
      try {
        const pairing = await deps.engine.call('setPreprocessing', scaling);
        set((s) => ({ inputs: { ...s.inputs, ...pairing, state: 'done', check: noCheck() } }));
        get().resetResults();
        await get().checkModel();
      } catch (err) {
        set((s) => ({ inputs: { ...s.inputs, state: 'error', error: messageOf(err) } }));
      }
    },

    checkModel: async () => {
      const mine = ++checks;
      const { model, data, inputs } = get();
      if (model.choice !== 'files' || !model.summary || !data.summary || inputs.pending) {
        set((s) => ({ inputs: { ...s.inputs, check: noCheck() } }));
        return;
      }
      set((s) => ({ inputs: { ...s.inputs, check: { state: 'running', reference: null, error: null } } }));
      try {
        const reference = await deps.engine.call('checkReference', {});
        if (mine === checks) set((s) => ({ inputs: { ...s.inputs, check: { state: 'done', reference, error: null } } }));
      } catch (err) {
        if (mine === checks) set((s) => ({ inputs: { ...s.inputs, check: { state: 'error', reference: null, error: messageOf(err) } } }));
      }
    },
  };
};
