import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../core/abort';
import { UserError } from '../core/errors';
import type { ImageDataset } from '../core/types';
import { classificationLossSum, declaredOutputKind, kindFromOutputs, outputLayerView } from './outputKind';
import {
  batches, checkBatchSize, checkInputShape, DEFAULT_EVAL_BATCH_SIZE, outputClasses, type BatchOptions,
} from './predict';
import type { OutputKind } from '../../contract/outputKind';

export interface Evaluation {
  /** Share of samples whose top-1 class is the label, 0..1. */
  accuracy: number;
  /** Mean loss that matches the model's outputs (cross-entropy of softmax or logits, binary for sigmoid). */
  loss: number;
  count: number;
  outputKind: OutputKind;
  /** With `keepHits`: 1 for each image whose top-1 class is its label, else 0, in the data's order. */
  hits?: Uint8Array;
}

export interface EvaluateOptions extends BatchOptions {
  /** What the model outputs; when absent, its last layers (or its first outputs) tell. */
  outputKind?: OutputKind;
  /** Keep which images were right (for paired comparisons of two models on the same images). */
  keepHits?: boolean;
}

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

/** Summed loss, then 1 or 0 for each image of the batch (top-1 right or not). */
function scoreBatch(outputs: tf.Tensor2D, labels: tf.Tensor1D, kind: OutputKind): tf.Tensor1D {
  return tf.tidy(() => {
    const lossSum = classificationLossSum(outputs, labels, kind);
    const hits = tf.cast(tf.equal(tf.argMax(outputs, 1), labels), 'float32');
    return tf.concat([tf.reshape(lossSum, [1]), hits]) as tf.Tensor1D;
  });
}

/**
 * Top-1 accuracy and mean loss of a classifier on a dataset, in batches, with
 * the loss that matches what the model outputs. Labels must be in [0, numClasses).
 */
export async function evaluate(
  model: tf.LayersModel, data: ImageDataset, options: EvaluateOptions = {},
): Promise<Evaluation> {
  const { batchSize = DEFAULT_EVAL_BATCH_SIZE, signal } = options;
  checkBatchSize(batchSize);
  checkDataset(model, data);
  const shape = [data.height, data.width, data.channels];
  let kind = options.outputKind ?? declaredOutputKind(outputLayerView(model));
  let lossSum = 0;
  let correct = 0;
  const hits = options.keepHits ? new Uint8Array(data.count) : undefined;
  for (const batch of batches(data.images, shape, batchSize)) {
    throwIfAborted(signal);
    const labels = data.labels.subarray(batch.start, batch.start + batch.size);
    const outputs = tf.tidy(() => model.predict(tf.tensor(batch.images, [batch.size, ...shape])) as tf.Tensor2D);
    try {
      kind ??= kindFromOutputs((await outputs.data()) as Float32Array, data.numClasses);
      const scores = tf.tidy(() => scoreBatch(outputs, tf.tensor1d(labels, 'int32'), kind!));
      const values = await scores.data();
      scores.dispose();
      lossSum += values[0];
      for (let k = 0; k < batch.size; k++) {
        correct += values[1 + k];
        if (hits) hits[batch.start + k] = values[1 + k];
      }
    } finally {
      outputs.dispose();
    }
  }
  return { accuracy: correct / data.count, loss: lossSum / data.count, count: data.count, outputKind: kind ?? 'softmax', ...(hits ? { hits } : {}) };
}
