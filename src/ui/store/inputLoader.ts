/**
 * Stage 1's inputs (the model, the data) load the same way: the latest request
 * wins over one still running, a failure leaves the previous input loaded and
 * shown, and a success clears the results made from the old input.
 */
import type { StoreApi } from 'zustand';
import { messageOf, type TaskState } from './common';
import type { StudioState } from './store';

export interface InputState<Summary> {
  state: TaskState;
  /** What the user asked for (a built-in name, or `files`). */
  choice: string;
  summary: Summary | null;
  error: string | null;
}

type InputKey = 'model' | 'data';
type SummaryOf<K extends InputKey> = NonNullable<StudioState[K]['summary']>;

/**
 * A `load(choice, run)` for the slice under `key`. `alongside` updates another
 * slice from what loaded (a built-in model rebuilt for the data, images decoded
 * again at the model's size, the training form for the kind of model).
 */
export function inputLoader<K extends InputKey>(
  key: K,
  set: StoreApi<StudioState>['setState'],
  get: StoreApi<StudioState>['getState'],
  alongside: (summary: SummaryOf<K>, state: StudioState, choice: StudioState[K]['choice']) => Partial<StudioState>,
): (choice: StudioState[K]['choice'], run: () => Promise<SummaryOf<K>>) => Promise<void> {
  let request = 0;
  const update = (state: StudioState, patch: Partial<InputState<SummaryOf<K>>>): Partial<StudioState> =>
    ({ [key]: { ...state[key], ...patch } }) as Partial<StudioState>;
  return async (choice, run) => {
    const mine = ++request;
    const before = get()[key];
    set((s) => update(s, { state: 'running', choice, error: null }));
    try {
      const summary = await run();
      if (mine !== request) return;
      set((s) => ({ ...update(s, { state: 'done', choice, summary, error: null }), ...alongside(summary, s, choice) }));
      get().resetResults();
      get().pairingChanged(summary.pairing);
    } catch (err) {
      if (mine !== request) return;
      set((s) => update(s, { state: 'error', choice: before.summary ? before.choice : choice, error: messageOf(err) }));
    }
  };
}
