/**
 * The training calls: pretraining (or the model as loaded) then sparse training, with its steps relayed to the page,
 * its curve kept for the charts and a checkpoint saved on the way; resuming from that checkpoint after a reload;
 * pausing; and the estimate of the run before it starts.
 */
import { UserError } from '../../engine/core/errors';
import { thinPoints, trainPointOf, type TrainEvent, type TrainingEstimate, type TrainPoint, type TrainSummary } from '../../contract/events';
import { estimateFrom, measurePace, phaseSteps } from '../../engine/train/pace';
import type { TrainCheckpoint, TrainOptions } from '../../engine/train/sparseTraining';
import type { CallContext } from '../callContext';
import type { SavedCheckpoint } from '../savedWork';
import type { NoParams, TrainParams } from '../studioTypes';
import { TrainRelay } from '../trainRelay';
import type { Studio } from './studio';

/** Training points kept per phase for the charts after a reload; longer curves are thinned. */
export const MAX_CURVE_POINTS = 2000;

const thinned = (points: TrainPoint[]): TrainPoint[] => thinPoints(points, MAX_CURVE_POINTS);

/** Records the step events of one phase as chart points, after `earlier` ones (of a resumed training). */
function curveRecorder(phase: TrainPoint['phase'], earlier: TrainPoint[] = []): { points: TrainPoint[]; onEvent: (event: TrainEvent) => void } {
  const points: TrainPoint[] = earlier.filter((point) => point.phase === phase);
  return {
    points,
    onEvent: (event) => {
      if (event.kind === 'step') points.push(trainPointOf(event, phase));
    },
  };
}

export async function train(studio: Studio, params: TrainParams, ctx: CallContext): Promise<TrainSummary> {
  return studio.lock.exclusive('training', ctx.signal, () => runTraining(studio, params, null, ctx));
}

/** Goes on with the training the last visit left unfinished (`restore` says it is resumable), from its latest checkpoint. */
export async function resumeTraining(studio: Studio, _params: NoParams, ctx: CallContext): Promise<TrainSummary> {
  return studio.lock.exclusive('training', ctx.signal, async () => {
    const saved = studio.resumable;
    if (!saved) throw new UserError('There is no interrupted training to resume; start the training again.');
    return runTraining(studio, saved.params, saved, ctx);
  });
}

/** Pauses or resumes the running training; no effect when none runs. */
export function pauseTraining(studio: Studio, params: { paused: boolean }): { paused: boolean } {
  if (studio.lock.running !== 'training') return { paused: false };
  studio.pause.set(params.paused);
  return { paused: studio.pause.paused };
}

/**
 * The steps `train` would run with these parameters, and the time they would take at a pace measured on a few steps
 * (once per batch size). Any other call stops the measurement instead of waiting for it.
 */
export async function estimateTraining(studio: Studio, params: TrainParams, ctx: CallContext): Promise<TrainingEstimate> {
  const session = studio.requireSession();
  const { batchSize, maxSteps, epochs } = params.settings;
  let msPerStep = studio.paces.get(batchSize);
  if (msPerStep === undefined) {
    const spec = studio.model!.spec;
    const yields = new AbortController();
    const signal = AbortSignal.any([ctx.signal, yields.signal]);
    msPerStep = await studio.lock.exclusive('estimating the training time', signal, () => measurePace(spec, session.fit, batchSize, signal), yields);
    studio.paces.set(batchSize, msPerStep);
  }
  const pretrainEpochs = session.hasPretrained({ ...params.settings, epochs: params.pretrainEpochs }) ? 0 : params.pretrainEpochs;
  return estimateFrom(msPerStep, phaseSteps(session.fit, pretrainEpochs, batchSize, maxSteps), phaseSteps(session.fit, epochs, batchSize, maxSteps));
}

/** Pretraining (or the model as loaded), then sparse training; checkpoints on the way; `resume` goes on from one. */
async function runTraining(studio: Studio, params: TrainParams, resume: SavedCheckpoint | null, ctx: CallContext): Promise<TrainSummary> {
  const session = studio.requireSession();
  /** Runs one phase with its relay, its curve and its checkpoints (and its checkpoint to resume from). */
  const runPhase = (phase: TrainPoint['phase'], label: string, run: (options: TrainOptions) => Promise<TrainSummary>): Promise<TrainSummary> => {
    const relay = new TrainRelay(phase, label, ctx.progress, studio.now);
    const curve = curveRecorder(phase, resume?.curve);
    const saveCheckpoint = (checkpoint: TrainCheckpoint): void => {
      const pretrained = phase === 'sparse' && params.pretrainEpochs > 0 ? session.trainedState().pretrained : null;
      studio.saved.checkpoint({
        params, phase, checkpoint,
        curve: [...(phase === 'sparse' && pretrained ? studio.pretrainCurve : []), ...thinned(curve.points)],
        pretrained: pretrained && { ...pretrained, curve: studio.pretrainCurve },
      });
    };
    return run({
      signal: ctx.signal,
      onEvent: (event) => {
        relay.onEvent(event);
        curve.onEvent(event);
      },
      whilePaused: () => studio.pause.wait(ctx.signal),
      checkpoints: { save: saveCheckpoint },
      ...(resume?.phase === phase ? { resume: resume.checkpoint } : {}),
    }).then((summary) => {
      if (phase === 'pretrain') studio.pretrainCurve = thinned(curve.points);
      else studio.trainCurve = thinned(curve.points);
      return summary;
    }).finally(() => relay.flush());
  };
  studio.pause.set(false);
  if (resume?.pretrained) {
    // The sparse phase was interrupted: its pretraining is reused, not repeated.
    session.adoptPretrained(resume.pretrained);
    studio.pretrainCurve = resume.pretrained.curve ?? [];
  }
  try {
    // A cancelled or failed training leaves the session's models as they were.
    const training = await session.transaction(async () => {
      let pretraining: TrainSummary | undefined;
      if (params.pretrainEpochs > 0) {
        const pretrainSettings = { ...params.settings, epochs: params.pretrainEpochs };
        pretraining = session.hasPretrained(pretrainSettings)
          ? await session.pretrain(pretrainSettings)
          : await runPhase('pretrain', 'pretraining', (options) => session.pretrain(pretrainSettings, options));
      } else {
        session.startFromLoaded();
      }
      const training = await runPhase('sparse', `sparse training (${params.criterion})`, (options) => session.train(params.criterion, params.settings, options));
      studio.stopSearch();
      studio.training = { params, pretraining, training, curve: [...(pretraining ? studio.pretrainCurve : []), ...studio.trainCurve] };
      return training;
    });
    studio.resumable = null;
    const { pretrained, ...state } = session.trainedState();
    studio.saved.training({ record: studio.training!, ...state, pretrained: pretrained && { ...pretrained, curve: studio.pretrainCurve } });
    return training;
  } catch (error) {
    // Cancelled, or failed: there is nothing to resume. (A crash never gets here: its checkpoint stays.)
    studio.resumable = null;
    studio.saved.forgetCheckpoint();
    throw error;
  } finally {
    studio.pause.set(false);
  }
}
