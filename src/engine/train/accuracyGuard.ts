/**
 * Watches accuracy during sparse training (issue 10): on held-out calibration
 * images, the model in training mode normalizes each batch with its own
 * statistics, which is what it will measure once BN is recalibrated and the
 * zero channels are gone; the lagging moving averages would understate it.
 * BN's moving statistics are saved before and restored after, so watching
 * changes nothing.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../core/types';
import { batches } from '../data/split';
import { keepingStatistics, movingStatistics } from '../eval/movingStatistics';
import { isGfrLayer } from '../gfr/gfrLayer';

export interface AccuracyGuard {
  /** Held-out calibration images (never the validation images that are reported). */
  data: ImageDataset;
  /** Sparsity stops rising while accuracy is below this (the original's minus a margin), 0..1. */
  floor: number;
  /** Steps between two readings. */
  every: number;
}

export const GUARD_BATCH_SIZE = 128;

/** Top-1 accuracy with batch statistics, moving statistics left as they were. */
export async function batchStatisticsAccuracy(model: tf.LayersModel, data: ImageDataset): Promise<number> {
  return keepingStatistics(movingStatistics(model.layers), async () => {
    let correct = 0;
    try {
      for (const batch of batches(data, GUARD_BATCH_SIZE)) {
        const hits = tf.tidy(() => {
          const x = tf.tensor4d(batch.images, [batch.size, data.height, data.width, data.channels]);
          const outputs = model.apply(x, { training: true }) as tf.Tensor2D;
          return tf.sum(tf.cast(tf.equal(tf.argMax(outputs, 1), tf.tensor1d(batch.labels, 'int32')), 'float32'));
        });
        correct += (await hits.data())[0];
        hits.dispose();
      }
    } finally {
      model.layers.filter(isGfrLayer).forEach((layer) => layer.releaseGates());
    }
    return correct / data.count;
  });
}
