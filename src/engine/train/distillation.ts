/**
 * Knowledge distillation from the model as the user brought it (issue 10,
 * SPEC §2 Step 2 from a trained start): the sparse-trained student also
 * matches the original's class distribution at a temperature T (Hinton et
 * al., 2015), so it keeps the function the user already has while channels
 * go to zero. The training images are fixed (no augmentation), so the
 * teacher's outputs are computed once, before training, not at every step.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../core/types';
import { distributionLogits, type OutputKind } from '../eval/outputKind';
import { predictProbabilities } from '../eval/predict';

export interface Teacher {
  /** The original's distribution logits (`distributionLogits`) for every training image, N × classes. */
  logits: Float32Array;
  classes: number;
}

/** Default share of the loss given to the teacher, and its temperature. */
export const DEFAULT_DISTILLATION = { weight: 0.7, temperature: 4 };

/** The teacher's outputs on every image of `data`, as distribution logits. */
export async function teacherFor(model: tf.LayersModel, data: ImageDataset, kind: OutputKind, signal?: AbortSignal): Promise<Teacher> {
  const outputs = await predictProbabilities(model, data.images, [data.height, data.width, data.channels], { signal });
  const tensor = tf.tidy(() => distributionLogits(tf.tensor2d(outputs, [data.count, data.numClasses]), kind));
  try {
    return { logits: (await tensor.data()) as Float32Array, classes: data.numClasses };
  } finally {
    tensor.dispose();
  }
}

/** The teacher's rows for a batch's images, as a tensor. */
export function teacherBatch(teacher: Teacher, indices: Int32Array): tf.Tensor2D {
  const rows = new Float32Array(indices.length * teacher.classes);
  indices.forEach((index, k) => rows.set(teacher.logits.subarray(index * teacher.classes, (index + 1) * teacher.classes), k * teacher.classes));
  return tf.tensor2d(rows, [indices.length, teacher.classes]);
}

/** T² · mean over the batch of KL(softmax(teacher / T) ‖ softmax(student / T)). */
export function distillationLoss(student: tf.Tensor2D, teacher: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const target = tf.softmax(tf.div(teacher, temperature));
    const logTarget = tf.logSoftmax(tf.div(teacher, temperature));
    const logStudent = tf.logSoftmax(tf.div(student, temperature));
    const kl = tf.sum(tf.mul(target, tf.sub(logTarget, logStudent)), 1);
    return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
  });
}
