/**
 * How long a training run will take, before it starts: a few steps of normal
 * training on a throwaway copy of the model give the time per step on this
 * machine and backend; the run's step count times that is the estimate.
 * Sparse training steps cost somewhat more (gates, distillation, the accuracy
 * guard's readings), so the estimate is a floor; the live figure replaces it
 * once the run starts.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TrainingEstimate } from '../../contract/events';
import type { ImageDataset, ModelSpec } from '../core/types';
import { batchCount } from '../data/split';
import { modelFromSpec } from '../io/modelSpec';
import { trainSparse } from './sparseTraining';
import { DEFAULT_TRAIN_SETTINGS } from '../../contract/settings';

/** Steps timed after one untimed step (kernel setup, allocation). */
export const PACE_STEPS = 3;


/** Median time of PACE_STEPS training steps of `spec` at `batchSize`, after one warm-up step. */
export async function measurePace(spec: ModelSpec, data: ImageDataset, batchSize: number, signal?: AbortSignal): Promise<number> {
  const model: tf.LayersModel = await modelFromSpec(spec);
  const times: number[] = [];
  let previous = 0;
  try {
    await trainSparse(model, data, { ...DEFAULT_TRAIN_SETTINGS, epochs: 1, batchSize, maxSteps: PACE_STEPS + 1, lambdaGamma: 0, lambdaS: 0, target: 0 }, {
      signal,
      onEvent(event) {
        if (event.kind !== 'step') return;
        if (event.step > 1) times.push(event.elapsedMs - previous);
        previous = event.elapsedMs;
      },
    });
  } finally {
    model.dispose();
  }
  // Fewer images than two batches: the one step there was.
  if (times.length === 0) return previous;
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** Steps of a phase of `epochs` epochs over `data`, capped at `maxSteps`. */
export function phaseSteps(data: ImageDataset, epochs: number, batchSize: number, maxSteps?: number): number {
  return Math.min(maxSteps ?? Infinity, epochs * batchCount(data, batchSize));
}

export function estimateFrom(msPerStep: number, pretrainSteps: number, sparseSteps: number): TrainingEstimate {
  return { msPerStep, pretrainSteps, sparseSteps, totalMs: msPerStep * (pretrainSteps + sparseSteps) };
}
