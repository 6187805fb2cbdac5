import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../core/abort';
import { UserError } from '../core/errors';
import type { Shape } from '../core/types';

export interface BatchOptions {
  batchSize?: number;
  signal?: AbortSignal;
}

export const DEFAULT_EVAL_BATCH_SIZE = 256;

/** Number of floats in one sample of the given shape. */
export function sampleSize(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The single output of a classifier, with its number of classes. */
export function outputClasses(model: tf.LayersModel): number {
  if (model.outputs.length !== 1) {
    throw new UserError(`Model "${model.name}" has ${model.outputs.length} outputs; a classifier with one output is needed.`);
  }
  const shape = model.outputs[0].shape;
  const classes = shape[shape.length - 1];
  if (shape.length !== 2 || classes == null) {
    throw new UserError(`Model "${model.name}" outputs shape [${shape.join(', ')}]; expected [batch, classes].`);
  }
  return classes;
}

/** Throws a UserError when samples of `shape` do not fit the model's input. */
export function checkInputShape(model: tf.LayersModel, shape: Shape): void {
  if (model.inputs.length !== 1) {
    throw new UserError(`Model "${model.name}" has ${model.inputs.length} inputs; an image model with one input is needed.`);
  }
  const expected = model.inputs[0].shape.slice(1);
  const fits = expected.length === shape.length && expected.every((d, i) => d == null || d === shape[i]);
  if (!fits) {
    throw new UserError(
      `Images of shape [${shape.join(', ')}] do not fit model "${model.name}", which takes [${expected.join(', ')}].`,
    );
  }
}

export interface Batch {
  /** Index of the first sample. */
  start: number;
  size: number;
  /** The batch's images, a view into the caller's array (not a copy). */
  images: Float32Array;
}

/** Splits `count` samples of `shape` into consecutive batches. */
export function* batches(images: Float32Array, shape: Shape, batchSize: number): Generator<Batch> {
  const perSample = sampleSize(shape);
  const count = images.length / perSample;
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    yield { start, size, images: images.subarray(start * perSample, (start + size) * perSample) };
  }
}

export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new UserError(`batchSize must be a positive integer, got ${batchSize}.`);
  }
}

/**
 * Runs the model over `images` (N samples of `shape` = [h, w, c], NHWC) in
 * batches and returns its outputs, N × classes floats, row-major.
 */
export async function predictProbabilities(
  model: tf.LayersModel, images: Float32Array, shape: Shape, options: BatchOptions = {},
): Promise<Float32Array> {
  const { batchSize = DEFAULT_EVAL_BATCH_SIZE, signal } = options;
  checkBatchSize(batchSize);
  checkInputShape(model, shape);
  const perSample = sampleSize(shape);
  if (images.length % perSample !== 0) {
    throw new UserError(`${images.length} floats are not a whole number of [${shape.join(', ')}] images.`);
  }
  const classes = outputClasses(model);
  const result = new Float32Array((images.length / perSample) * classes);
  for (const batch of batches(images, shape, batchSize)) {
    throwIfAborted(signal);
    const probs = tf.tidy(() => model.predict(tf.tensor(batch.images, [batch.size, ...shape])) as tf.Tensor);
    try {
      result.set(await probs.data(), batch.start * classes);
    } finally {
      probs.dispose();
    }
  }
  return result;
}
