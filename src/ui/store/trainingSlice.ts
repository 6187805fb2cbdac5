/** Stage 2, training: settings, the running call, its live step events. */
import type { CriterionName } from '../../contract/criteria';
import { trainPointOf, type TrainingEstimate, type TrainPoint, type TrainStepEvent, type TrainSummary } from '../../contract/events';
import type { CallOptions } from '../../worker/bridge';
import type { Progress } from '../../worker/messages';
import type { ProgressDetail, ResumableTraining, TrainParams } from '../../worker/studioTypes';
import type { StudioState } from './store';
import { isCancelled, messageOf, type ProgressState, type Slice } from './common';
import { DEFAULT_TRAIN_FORM, TRAIN_FIXED, type TrainForm } from './defaults';

/** One training step as the charts plot it: the contract's point, placed on a running x axis over both phases. */
export interface StepPoint extends TrainPoint {
  /** Running step number over both phases (x axis). */
  x: number;
  remainingMs: number;
}

/** `interrupted`: a reload or a crash stopped it; it can be resumed from its latest checkpoint. */
export type TrainingState = 'idle' | 'running' | 'done' | 'error' | 'cancelled' | 'interrupted';

export interface TrainingSlice {
  trainForm: TrainForm;
  /** The run's time before it starts, measured on a few steps; null until measured (or when it failed). */
  trainEstimate: TrainingEstimate | null;
  training: {
    state: TrainingState;
    paused: boolean;
    /** The criterion the current results were trained for. */
    criterion: CriterionName | null;
    /** Trained with the automatic target: sparsity rose as far as accuracy allowed (from a trained start). */
    automatic: boolean;
    steps: StepPoint[];
    progress: ProgressState | null;
    summary: TrainSummary | null;
    /** Latest per-group share of zero channels. */
    zeroShareByGroup: Record<string, number>;
    error: string | null;
    /** An interrupted training that can go on from its latest checkpoint. */
    resumable: ResumableTraining | null;
  };
  setTrainForm: (patch: Partial<TrainForm>) => void;
  startTraining: () => Promise<void>;
  /** Goes on with the interrupted training from its latest checkpoint. */
  resumeTraining: () => Promise<void>;
  setTrainingPaused: (paused: boolean) => Promise<void>;
  /** Measures (once per batch size) and sets trainEstimate for the current form; quietly gives up when the engine is busy. */
  estimateTraining: () => Promise<void>;
  cancelTraining: () => void;
  /** Forgets results that belong to an earlier model or dataset. */
  resetResults: () => void;
}

const MAX_POINTS = 4000;

export const emptyTraining = (): TrainingSlice['training'] => ({
  state: 'idle',
  paused: false,
  criterion: null,
  automatic: false,
  steps: [],
  progress: null,
  summary: null,
  zeroShareByGroup: {},
  error: null,
  resumable: null,
});

function toPoint(event: TrainStepEvent, phase: StepPoint['phase'], x: number): StepPoint {
  return { ...trainPointOf(event, phase), x, remainingMs: event.remainingMs };
}

/** True when the guard's latest reading is below its floor: sparsity stops rising until accuracy recovers. */
export const belowFloor = (point: StepPoint | undefined): boolean =>
  point?.guardAccuracy !== undefined && point.guardFloor !== undefined && point.guardAccuracy < point.guardFloor;

/** "holding: accuracy below the floor (back to step 40)", or null while the guard is content. */
export function holdingText(point: StepPoint | undefined): string | null {
  if (!belowFloor(point)) return null;
  return `holding: accuracy below the floor${point?.guardRestoredFrom === undefined ? '' : ` (back to step ${point.guardRestoredFrom})`}`;
}

/**
 * Time left in the whole run: the engine's figure for the current phase, and
 * during pretraining the sparse phase's steps at the pace of this one.
 */
export function runRemainingMs(last: StepPoint | undefined, estimate: TrainingEstimate | null): number | undefined {
  if (!last || !Number.isFinite(last.remainingMs)) return undefined;
  if (last.phase === 'sparse' || !estimate) return last.remainingMs;
  const left = last.totalSteps - last.step;
  const pace = left > 0 ? last.remainingMs / left : estimate.msPerStep;
  return last.remainingMs + estimate.sparseSteps * pace;
}

/** The train call's parameters from the form and the selection rule. */
function trainParams(form: TrainForm, rule: StudioState['rule']): TrainParams {
  const { criterion, pretrainEpochs, maxSteps, ...settings } = form;
  return {
    criterion,
    pretrainEpochs,
    // The guard holds sparsity at half the tolerance the search will select with.
    settings: { ...settings, ...TRAIN_FIXED, ...(maxSteps > 0 ? { maxSteps } : {}), ...(rule.kind === 'tolerance' ? { tolerance: rule.tolerance } : {}) },
  };
}

/** A restored training record's curve as chart points. */
export function pointsFromCurve(curve: TrainPoint[]): StepPoint[] {
  return curve.map((p, i) => ({ ...p, x: i + 1, remainingMs: 0 }));
}

export const createTrainingSlice: Slice<TrainingSlice> = (deps) => (set, get) => {
  let controller: AbortController | null = null;
  let estimating: AbortController | null = null;

  const clearResults = (): void => {
    if (get().training.state !== 'running') set({ training: emptyTraining() });
    get().resetScores();
    get().resetSearch();
  };

  const onProgress = (startedAt: number) => (progress: Progress) => {
    const detail = progress.detail as ProgressDetail | undefined;
    set((s) => {
      const training = { ...s.training };
      training.progress = { done: progress.done, total: progress.total, label: progress.label ?? '', startedAt };
      if (detail?.kind === 'train' && detail.events.length) {
        const steps = [...training.steps];
        for (const event of detail.events) {
          const last = steps[steps.length - 1];
          // Events may repeat across messages: keep each (phase, step) once.
          if (last && last.phase === detail.phase && event.step <= last.step) continue;
          steps.push(toPoint(event, detail.phase, steps.length + 1));
          if (event.sparsity) training.zeroShareByGroup = event.sparsity.zeroShareByGroup;
        }
        training.steps = steps.length > MAX_POINTS ? steps.filter((_, i) => i % 2 === 0 || i === steps.length - 1) : steps;
      }
      return { training };
    });
  };

  /** Runs a training call (new, or resumed after `earlier` steps) with live progress; scores follow it. */
  const run = async (params: TrainParams, earlier: StepPoint[], call: (options: CallOptions) => Promise<TrainSummary>): Promise<void> => {
    if (get().training.state === 'running') return;
    // A measurement of the pace gives way to the run itself.
    estimating?.abort();
    controller = new AbortController();
    const startedAt = performance.now();
    clearResults();
    const { criterion } = params;
    const automatic = params.settings.targetMode === 'auto';
    set((s) => ({
      training: { ...emptyTraining(), state: 'running', criterion, automatic, steps: earlier, progress: { done: 0, total: 1, label: 'Starting…', startedAt } },
      saving: { ...s.saving, checkpointStep: null },
    }));
    try {
      const summary = await call({ signal: controller.signal, onProgress: onProgress(startedAt) });
      set((s) => ({ training: { ...s.training, state: 'done', paused: false, summary, progress: null } }));
      // Scores follow training: the criterion it was trained for, ranked as chosen.
      await get().computeScores(criterion);
    } catch (err) {
      set((s) => ({
        training: isCancelled(err)
          ? { ...s.training, state: 'cancelled', paused: false, progress: null }
          : { ...s.training, state: 'error', paused: false, progress: null, error: messageOf(err) },
      }));
    } finally {
      controller = null;
    }
  };

  return {
    trainForm: DEFAULT_TRAIN_FORM,
    trainEstimate: null,
    training: emptyTraining(),

    setTrainForm: (patch) => set((s) => ({ trainForm: { ...s.trainForm, ...patch } })),

    startTraining: async () => {
      const params = trainParams(get().trainForm, get().rule);
      await run(params, [], (options) => deps.engine.call('train', params, options));
    },

    resumeTraining: async () => {
      const { resumable, steps } = get().training;
      if (!resumable) return;
      await run(resumable.params, steps, (options) => deps.engine.call('resumeTraining', {}, options));
    },

    setTrainingPaused: async (paused) => {
      if (get().training.state !== 'running') return;
      set((s) => ({ training: { ...s.training, paused } }));
      try {
        const answer = await deps.engine.call('pauseTraining', { paused });
        set((s) => ({ training: { ...s.training, paused: answer.paused } }));
      } catch (err) {
        set((s) => ({ training: { ...s.training, paused: !paused, error: messageOf(err) } }));
      }
    },

    estimateTraining: async () => {
      estimating?.abort();
      const own = new AbortController();
      estimating = own;
      try {
        const estimate = await deps.engine.call('estimateTraining', trainParams(get().trainForm, get().rule), { signal: own.signal });
        if (estimating === own) set({ trainEstimate: estimate });
      } catch {
        // Busy, cancelled or no model yet: the estimate stays as it was; training shows its own figures.
      } finally {
        if (estimating === own) estimating = null;
      }
    },

    cancelTraining: () => {
      // A paused run must wake up to see the cancel.
      if (get().training.paused) void deps.engine.call('pauseTraining', { paused: false }).catch(() => undefined);
      controller?.abort();
    },

    resetResults: () => {
      clearResults();
      // The pace was measured on the model and data these results belong to.
      estimating?.abort();
      set({ trainEstimate: null });
    },
  };
};
