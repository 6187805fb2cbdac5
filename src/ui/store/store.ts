/**
 * The studio's one store, built from slices (zustand's slices pattern): each
 * stage owns its state and its actions, and components select only what they
 * render. Settings the user typed survive a reload (localStorage).
 */
import { createContext, createElement, useContext, type ReactNode } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';

import type { Reference } from '../../worker/studioTypes';
import { addressWithSettings, settingsFromAddress } from './addressSettings';
import type { StoreDeps } from './common';
import { createDataSlice, type DataSlice } from './dataSlice';
import { createEngineSlice, type EngineSlice } from './engineSlice';
import { createInputsSlice, type InputsSlice } from './inputsSlice';
import { createModelSlice, type ModelSlice } from './modelSlice';
import { createSavingSlice, type SavingSlice } from './savingSlice';
import { createScoresSlice, type ScoresSlice } from './scoresSlice';
import { createSearchSlice, type SearchSlice } from './searchSlice';
import { createTrainingSlice, type TrainingSlice } from './trainingSlice';

export type StudioState = EngineSlice & ModelSlice & DataSlice & InputsSlice & TrainingSlice & ScoresSlice & SearchSlice & SavingSlice;
export type StudioStore = StoreApi<StudioState>;

const SETTINGS_KEY = 'gfr-studio:settings:v1';

type Settings = Pick<StudioState, 'trainForm' | 'searchForm' | 'rule'>;

function loadSettings(): Partial<Settings> {
  try {
    const text = globalThis.localStorage?.getItem(SETTINGS_KEY);
    return text ? (JSON.parse(text) as Partial<Settings>) : {};
  } catch {
    return {};
  }
}

export function createStudioStore(deps: StoreDeps): StudioStore {
  const store = createStore<StudioState>()((...a) => ({
    ...createEngineSlice(deps)(...a),
    ...createModelSlice(deps)(...a),
    ...createDataSlice(deps)(...a),
    ...createInputsSlice(deps)(...a),
    ...createTrainingSlice(deps)(...a),
    ...createScoresSlice(deps)(...a),
    ...createSearchSlice(deps)(...a),
    ...createSavingSlice(deps)(...a),
  }));
  const saved = loadSettings();
  // A shared link's settings win over the last visit's.
  store.setState((s) => settingsFromAddress(globalThis.location?.search ?? '', {
    trainForm: { ...s.trainForm, ...saved.trainForm },
    searchForm: { ...s.searchForm, ...saved.searchForm },
    rule: saved.rule ?? s.rule,
  }));
  let last: Settings | null = null;
  store.subscribe((s) => {
    if (last && last.trainForm === s.trainForm && last.searchForm === s.searchForm && last.rule === s.rule) return;
    last = { trainForm: s.trainForm, searchForm: s.searchForm, rule: s.rule };
    try {
      globalThis.localStorage?.setItem(SETTINGS_KEY, JSON.stringify(last));
    } catch {
      // Private windows may refuse storage; the settings then last for this visit.
    }
    if (globalThis.history && globalThis.location) {
      globalThis.history.replaceState(globalThis.history.state, '', `${globalThis.location.pathname}${addressWithSettings(globalThis.location.search, last)}${globalThis.location.hash}`);
    }
  });
  return store;
}

const StoreContext = createContext<StudioStore | null>(null);

export function StudioProvider({ store, children }: { store: StudioStore; children: ReactNode }) {
  return createElement(StoreContext.Provider, { value: store }, children);
}

/** Reads what a component renders from the store; it re-renders only when that changes. */
export function useStudio<T>(selector: (state: StudioState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStudio outside <StudioProvider>.');
  return useStore(store, selector);
}

/** True while a long call runs that loading other files would disturb. */
export const selectBusy = (s: StudioState): boolean =>
  s.training.state === 'running' || s.search.state === 'running' || s.search.state === 'starting';

/** The original model's figures once measured: by the search, by the training the scores follow, or by the check of the user's model on the data. */
/**
 * A model and data that fit each other: the worker holds a session, so training, its estimate and the stages past
 * the first can start. A model that waits for fitting data (inputs.pending) is not ready.
 */
export const selectInputsReady = (s: StudioState): boolean => s.model.summary !== null && s.data.summary !== null && s.inputs.pending === null;

export const selectReference = (s: StudioState): Reference | null => s.search.reference ?? s.scores.result?.reference ?? s.inputs.check.reference ?? null;
