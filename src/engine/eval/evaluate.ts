import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../core/abort';
import { UserError } from '../core/errors';
import type { ImageDataset } from '../core/types';
import {
  batches, checkBatchSize, checkInputShape, DEFAULT_EVAL_BATCH_SIZE, outputClasses, type BatchOptions,
} from './predict';

export interface Evaluation {
  /** Share of samples whose top-1 class is the label, 0..1. */
  accuracy: number;
  /** Mean cross-entropy of the predicted probabilities. */
  loss: number;
  count: number;
}

/** Probabilities are clipped to [EPSILON, 1] before the log, as Keras does. */
export const PROBABILITY_EPSILON = 1e-7;

function checkDataset(model: tf.LayersModel, data: ImageDataset): void {
  if (data.count < 1) throw new UserError(`Dataset "${data.source}" is empty: there is nothing to evaluate.`);
  const classes = outputClasses(model);
  if (classes !== data.numClasses) {
    throw new UserError(
      `Model "${model.name}" predicts ${classes} classes but dataset "${data.source}" has ${data.numClasses}.`,
    );
  }
  checkInputShape(model, [data.height, data.width, data.channels]);
  if (data.labels.length !== data.count || data.images.length !== data.count * data.height * data.width * data.channels) {
    throw new UserError(`Dataset "${data.source}" is inconsistent: its arrays do not hold ${data.count} samples.`);
  }
}

/** Sum of cross-entropy and number of correct top-1 predictions in one batch. */
function scoreBatch(model: tf.LayersModel, images: tf.Tensor, labels: tf.Tensor1D, classes: number): tf.Tensor1D {
  return tf.tidy(() => {
    const probs = model.predict(images) as tf.Tensor2D;
    const oneHot = tf.oneHot(labels, classes);
    const logP = tf.log(tf.clipByValue(probs, PROBABILITY_EPSILON, 1));
    const lossSum = tf.neg(tf.sum(tf.mul(oneHot, logP)));
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), labels), 'float32'));
    return tf.stack([lossSum, correct]) as tf.Tensor1D;
  });
}

/**
 * Top-1 accuracy and mean cross-entropy of a softmax classifier on a dataset,
 * in batches. Labels must be in [0, numClasses).
 */
export async function evaluate(
  model: tf.LayersModel, data: ImageDataset, options: BatchOptions = {},
): Promise<Evaluation> {
  const { batchSize = DEFAULT_EVAL_BATCH_SIZE, signal } = options;
  checkBatchSize(batchSize);
  checkDataset(model, data);
  const shape = [data.height, data.width, data.channels];
  let lossSum = 0;
  let correct = 0;
  for (const batch of batches(data.images, shape, batchSize)) {
    throwIfAborted(signal);
    const labels = data.labels.subarray(batch.start, batch.start + batch.size);
    const scores = tf.tidy(() =>
      scoreBatch(model, tf.tensor(batch.images, [batch.size, ...shape]), tf.tensor1d(labels, 'int32'), data.numClasses),
    );
    try {
      const [batchLoss, batchCorrect] = await scores.data();
      lossSum += batchLoss;
      correct += batchCorrect;
    } finally {
      scores.dispose();
    }
  }
  return { accuracy: correct / data.count, loss: lossSum / data.count, count: data.count };
}
