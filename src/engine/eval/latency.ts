import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors';
import type { Shape } from '../core/types';
import { checkInputShape } from './predict';

export interface LatencyOptions {
  batchSize?: number;
  /** Untimed runs first, so that shader compilation and allocation are not counted. */
  warmup?: number;
  runs?: number;
}

export interface Latency {
  /** Median wall time of one forward pass, input upload to output download. */
  msPerBatch: number;
  batchSize: number;
  backend: string;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One forward pass; awaiting the data makes GPU backends finish their work. */
async function timeOnce(model: tf.LayersModel, input: tf.Tensor): Promise<number> {
  const start = performance.now();
  const output = model.predict(input) as tf.Tensor;
  try {
    await output.data();
  } finally {
    output.dispose();
  }
  return performance.now() - start;
}

/** Median forward-pass time of the model on the current backend, on a fixed input. */
export async function measureLatency(
  model: tf.LayersModel, inputShape: Shape, options: LatencyOptions = {},
): Promise<Latency> {
  const { batchSize = 1, warmup = 3, runs = 20 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`batchSize must be a positive integer, got ${batchSize}.`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new UserError(`warmup must be a non-negative integer, got ${warmup}.`);
  if (!Number.isInteger(runs) || runs < 1) throw new UserError(`runs must be a positive integer, got ${runs}.`);
  checkInputShape(model, inputShape);
  const input = tf.randomUniform([batchSize, ...inputShape], 0, 1, 'float32', 1);
  try {
    for (let i = 0; i < warmup; i++) await timeOnce(model, input);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await timeOnce(model, input));
    return { msPerBatch: median(times), batchSize, backend: tf.getBackend() };
  } finally {
    input.dispose();
  }
}
