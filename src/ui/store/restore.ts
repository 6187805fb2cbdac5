/**
 * Bringing back the last visit (docs/METHOD.md §8): the worker's `restore` answer
 * (RestoredWork) turned into the store's slices: model, data, the training
 * record with its curve, the search and its candidates. Scores and the
 * rule's selection are asked of the worker again afterwards (engineSlice).
 */
import type { RestoredWork } from '../../worker/studioTypes';
import type { TaskState } from './common';
import { emptyExport, emptySearch } from './searchSlice';
import type { StudioState } from './store';
import { emptyTraining, pointsFromCurve } from './trainingSlice';

/** The note shown at the top of the page after a restore (or a failed one) until it is dismissed. */
export interface RestoreNote {
  state: 'running' | 'done' | 'failed';
  /** What was brought back, in a few words. */
  summary: string;
  /** The worker's notes: what could not be brought back, and why. */
  notes: string[];
}

/** True when the restored work holds more than the demo a first visit opens with. */
export function worthANote(work: RestoredWork): boolean {
  // No data saved: the built-in digits load, as on a first visit (engineSlice).
  return work.training !== null || work.resumable !== null || work.search !== null || work.notes.length > 0 || work.modelChoice !== 'lenet' || (work.dataChoice ?? 'builtin') !== 'builtin';
}

/** What was brought back, for the note: "lenet on 300 images, trained 6 steps, 4 candidates". */
export function restoredSummary(work: RestoredWork): string {
  const parts = [work.data ? `${work.model.name} (${work.model.source}) on ${work.data.source}` : `${work.model.name} (${work.model.source})`];
  if (work.training) {
    const steps = (work.training.pretraining?.steps ?? 0) + work.training.training.steps;
    parts.push(`trained ${steps} steps (${work.training.params.criterion})`);
  }
  if (work.search) parts.push(`${work.search.candidates.length} search candidate${work.search.candidates.length === 1 ? '' : 's'}`);
  if (work.resumable) parts.push(`a training interrupted at step ${work.resumable.step} of ${work.resumable.totalSteps}, which can be resumed`);
  return parts.join(', ');
}

/** The slices as the restored work sets them; everything derived from earlier state is replaced. */
export function restoredState(work: RestoredWork, current: StudioState): Partial<StudioState> {
  const done: TaskState = 'done';
  const { training, resumable } = work;
  const search = work.search;
  const criterion = search?.settings.criterion ?? training?.params.criterion ?? current.scores.criterion;
  const ranking = search?.settings.ranking ?? current.scores.ranking;
  return {
    model: { state: done, choice: work.modelChoice, summary: work.model, error: null },
    data: work.data
      ? { state: done, choice: work.dataChoice ?? 'files', summary: work.data, error: null }
      : { state: 'idle', choice: 'builtin', summary: null, error: null },
    validation: { state: 'idle', error: null },
    inputs: { ...current.inputs, ...(work.pairing ?? { pending: null }), state: 'idle', error: null, check: { state: 'idle', reference: null, error: null } },
    training: resumable
      ? {
          ...emptyTraining(),
          state: 'interrupted',
          criterion: resumable.params.criterion,
          automatic: resumable.params.settings.targetMode === 'auto',
          steps: pointsFromCurve(resumable.curve),
          resumable,
        }
      : training
      ? {
          ...emptyTraining(),
          state: 'done',
          criterion: training.params.criterion,
          automatic: training.params.settings.targetMode === 'auto',
          summary: training.training,
          steps: pointsFromCurve(training.curve ?? []),
        }
      : emptyTraining(),
    scores: { ...current.scores, state: 'idle', criterion, ranking, result: null, error: null },
    search: search
      ? {
          ...emptySearch(),
          // An unfinished search cannot go on after a reload; its candidates stay.
          state: search.done ? 'done' : 'cancelled',
          planned: search.plannedRatios,
          prunableChannels: search.prunableChannels,
          candidates: [...search.candidates].sort((a, b) => a.index - b.index),
          criterion: search.settings.criterion,
          ranking: search.settings.ranking,
          elapsedMs: search.elapsedMs ?? 0,
          exportable: search.exportable,
          reference: search.reference,
          // Said again after a reload; the grid it stopped cannot be continued then (a new search can measure it all).
          gridStop: search.gridStop ?? null,
        }
      : emptySearch(),
    exported: emptyExport(),
  };
}
