/**
 * Label-preserving augmentation of training batches (docs/METHOD.md §3.3):
 * random horizontal flips, and with 'flip-shift' shifts of up to 4 pixels
 * with the edge pixels repeated into the gap (edge padding needs no
 * assumption about what a zero input means after preprocessing). Applied to
 * the training batch only, never to calibration or validation images.
 *
 * `auto` decides per dataset, before training, from the original model: a
 * flip preserves labels where the original, which learned them, keeps its
 * accuracy on the flipped calibration images (natural images); digits and
 * text lose a lot (a mirrored 2 or 7 is no 2 or 7), and so would any data
 * whose classes tell left from right.
 */
import * as tf from '@tensorflow/tfjs';
import type { AugmentationDecision } from '../../contract/events';

import type { Augmentation } from '../../contract/settings';
import { seededRandom } from '../core/random';
import type { ImageDataset } from '../core/types';
import { evaluate } from '../eval/evaluate';
import type { OutputKind } from '../../contract/outputKind';
import { pairedStandardError } from '../eval/pairedDifference';

export type AugmentationMode = Exclude<Augmentation, 'auto'>;

/** Largest shift of 'flip-shift', in pixels. */
export const MAX_SHIFT = 4;

export interface AugmentedBatch {
  images: Float32Array;
  /** 1 where the image was mirrored. */
  flipped: Uint8Array;
  /** Whether any image was shifted (the teacher then has to see the batch itself). */
  shifted: boolean;
}

/**
 * The batch's images (N × H × W × C, NHWC), each mirrored left–right with
 * probability ½ and, for 'flip-shift', moved by dx, dy ∈ [−4, 4]; a new
 * array, the batch's own is left as it is. `random` draws the choices, so a
 * seed per step makes a resumed run draw the same.
 */
export function augmentImages(
  images: Float32Array, size: number, shape: { height: number; width: number; channels: number }, mode: AugmentationMode, random: () => number,
): AugmentedBatch {
  const flipped = new Uint8Array(size);
  if (mode === 'none') return { images, flipped, shifted: false };
  const { height, width, channels } = shape;
  const per = height * width * channels;
  const out = new Float32Array(images.length);
  let shifted = false;
  for (let n = 0; n < size; n++) {
    const flip = random() < 0.5;
    flipped[n] = flip ? 1 : 0;
    const dx = mode === 'flip-shift' ? Math.floor(random() * (2 * MAX_SHIFT + 1)) - MAX_SHIFT : 0;
    const dy = mode === 'flip-shift' ? Math.floor(random() * (2 * MAX_SHIFT + 1)) - MAX_SHIFT : 0;
    if (dx !== 0 || dy !== 0) shifted = true;
    const base = n * per;
    for (let y = 0; y < height; y++) {
      const sy = Math.min(height - 1, Math.max(0, y - dy));
      for (let x = 0; x < width; x++) {
        const sx0 = Math.min(width - 1, Math.max(0, x - dx));
        const sx = flip ? width - 1 - sx0 : sx0;
        const to = base + (y * width + x) * channels;
        const from = base + (sy * width + sx) * channels;
        for (let c = 0; c < channels; c++) out[to + c] = images[from + c];
      }
    }
  }
  return { images: out, flipped, shifted };
}

/** The draws of training step `step` (0-based): seeded by the run's seed and the step, so a resumed run draws the same. */
export const augmentationRandom = (seed: number, step: number): (() => number) => seededRandom((seed * 1_000_003 + step * 7919 + 17) >>> 0);

/** A whole dataset mirrored left–right (for the `auto` check). */
export function flippedDataset(data: ImageDataset): ImageDataset {
  const { images } = augmentImages(data.images, data.count, data, 'flip', () => 0);
  return { ...data, images, source: `${data.source}, mirrored` };
}

/** Points the original may lose on flipped images and still count as keeping its accuracy, at least. */
export const AUTO_FLIP_TOLERANCE = 0.01;

/**
 * `auto`: flips where the original's accuracy on the mirrored calibration
 * images is within one paired standard error, or within 1 point, of its
 * accuracy on them as they are; else none. An explicit choice is kept as is.
 */
export async function decideAugmentation(
  choice: Augmentation, model: tf.LayersModel | undefined, calibration: ImageDataset, outputKind: OutputKind, signal?: AbortSignal,
): Promise<AugmentationDecision> {
  if (choice !== 'auto') return { mode: choice, auto: false };
  if (!model || calibration.count < 2) return { mode: 'none', auto: true };
  const plain = await evaluate(model, calibration, { outputKind, keepHits: true, signal });
  const mirrored = await evaluate(model, flippedDataset(calibration), { outputKind, keepHits: true, signal });
  const noise = plain.hits && mirrored.hits ? pairedStandardError(plain.hits, mirrored.hits) : 0;
  const keeps = mirrored.accuracy >= plain.accuracy - Math.max(noise, AUTO_FLIP_TOLERANCE);
  return { mode: keeps ? 'flip' : 'none', auto: true, accuracy: plain.accuracy, flippedAccuracy: mirrored.accuracy, noise };
}
