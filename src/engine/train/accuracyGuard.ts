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
import { pairedStandardError } from '../eval/pairedDifference';
import { isGfrLayer } from '../gfr/gfrLayer';

export interface AccuracyGuard {
  /** Held-out calibration images (never the validation images that are reported). */
  data: ImageDataset;
  /** Sparsity stops rising while accuracy is below this (the original's minus a margin), 0..1. */
  floor: number;
  /** Steps between two readings. */
  every: number;
  /**
   * Which calibration images the original gets right. With them a reading
   * fails only when it is below the floor by more than one standard error of
   * its difference with the original: on 800 images that error is near a
   * point, and a model no worse than the original read below a half-point
   * floor a third of the time, each time setting training back.
   */
  referenceHits?: Uint8Array;
  /** Standard errors a reading may fall below the floor and still pass (with referenceHits; default 1). */
  noiseAllowance?: number;
}

export interface GuardVerdict {
  accuracy: number;
  /** One standard error of the reading's difference with the original (0 without the original's hits). */
  noise: number;
  passes: boolean;
}

/** Reads the model and judges the reading against the guard's floor. */
export async function readGuard(model: tf.LayersModel, guard: AccuracyGuard): Promise<GuardVerdict> {
  return judgeReading(await batchStatisticsHits(model, guard.data), guard);
}

/** The guard's policy: a reading (1 per calibration image it got right) fails only below the floor by more than its noise. */
export function judgeReading(hits: Uint8Array, guard: Pick<AccuracyGuard, 'floor' | 'referenceHits' | 'noiseAllowance'>): GuardVerdict {
  const accuracy = hits.reduce((sum, hit) => sum + hit, 0) / Math.max(1, hits.length);
  const noise = guard.referenceHits ? pairedStandardError(guard.referenceHits, hits) : 0;
  return { accuracy, noise, passes: accuracy + (guard.noiseAllowance ?? 1) * noise >= guard.floor };
}

export const GUARD_BATCH_SIZE = 128;

/** 1 for each image (in the data's order) whose top-1 class with batch statistics is its label; moving statistics left as they were. */
export async function batchStatisticsHits(model: tf.LayersModel, data: ImageDataset): Promise<Uint8Array> {
  return keepingStatistics(movingStatistics(model.layers), async () => {
    const hits = new Uint8Array(data.count);
    let offset = 0;
    try {
      for (const batch of batches(data, GUARD_BATCH_SIZE)) {
        const right = tf.tidy(() => {
          const x = tf.tensor4d(batch.images, [batch.size, data.height, data.width, data.channels]);
          const outputs = model.apply(x, { training: true }) as tf.Tensor2D;
          return tf.cast(tf.equal(tf.argMax(outputs, 1), tf.tensor1d(batch.labels, 'int32')), 'int32');
        });
        hits.set(await right.data(), offset);
        offset += batch.size;
        right.dispose();
      }
    } finally {
      model.layers.filter(isGfrLayer).forEach((layer) => layer.releaseGates());
    }
    return hits;
  });
}
