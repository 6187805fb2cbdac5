/**
 * Every call the studio answers, declared once: by the function that answers it, `(studio, params, ctx) → result`,
 * with its doc beside its code. The worker dispatches through this table, and ../messages.ts derives the messages and
 * the bridge's types from it (Squoosh's way), so the page and the worker cannot disagree on a call.
 */
import type { CallContext } from '../callContext';
import { exportCandidate, exportOriginalOnnx, measureQuantized } from './download';
import { checkReference, loadData, loadModel, loadValidationData, setPreprocessing } from './inputs';
import { forgetSavedWork, restore } from './restore';
import { scores, searchNext, searchRest, searchStart, select } from './search';
import { Studio, type StudioOptions } from './studio';
import { estimateTraining, pauseTraining, resumeTraining, train } from './training';

export const STUDIO_CALLS = {
  loadModel, loadData, loadValidationData, setPreprocessing, checkReference,
  train, resumeTraining, pauseTraining, estimateTraining,
  scores, searchStart, searchNext, searchRest, select,
  exportCandidate, measureQuantized, exportOriginalOnnx,
  restore, forgetSavedWork,
} satisfies Record<string, (studio: Studio, params: never, ctx: CallContext) => unknown>;

type StudioCallTable = typeof STUDIO_CALLS;

/** A call bound to one studio: what is left is its parameters and its call context. */
type Bound<F> = F extends (studio: Studio, ...args: infer A) => infer R ? (...args: A) => R : never;

/** The studio's calls, each bound to one studio: `params` (`{}` where it takes none), then the call's context where it uses one. */
export type StudioCalls = { readonly [N in keyof StudioCallTable]: Bound<StudioCallTable[N]> };

export interface StudioApi extends StudioCalls {
  /** Resolves when the work so far is saved. */
  savedWork(): Promise<void>;
}

/** A new studio with its calls bound to it: the worker's, and the tests'. */
export function createStudio(options: StudioOptions = {}): StudioApi {
  const studio = new Studio(options);
  // Each entry keeps its own signature in StudioCalls; the loop cannot spell them one by one.
  const calls = Object.fromEntries(Object.entries(STUDIO_CALLS).map(([name, call]) =>
    [name, (...args: unknown[]) => (call as (studio: Studio, ...args: unknown[]) => unknown)(studio, ...args)])) as unknown as StudioCalls;
  return { ...calls, savedWork: () => studio.saved.flushed() };
}
