import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../graph/analyze';
import { batches } from '../data/split';
import { modelFromSpec } from '../io/modelSpec';
import type { ImageDataset } from '../core/types';
import { syntheticDataset } from '../testing/syntheticData';
import { expectNoLeaks } from '../testing/tensors';
import { residualModel } from '../testing/tinyModels';
import { augmentImages, decideAugmentation, flippedDataset } from './augmentation';
import { Teacher } from './distillation';
import { type TrainCheckpoint, trainSparse } from './sparseTraining';
import { DEFAULT_TRAIN_SETTINGS } from '../../contract/settings';
import type { TrainStepEvent } from '../../contract/events';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const shape = { height: 2, width: 3, channels: 2 };
// One image: pixel (y, x) channel c = 100y + 10x + c.
const image = Float32Array.from({ length: 12 }, (_, i) => {
  const c = i % 2;
  const x = Math.floor(i / 2) % 3;
  const y = Math.floor(i / 6);
  return 100 * y + 10 * x + c;
});

const pixel = (values: Float32Array, y: number, x: number, c: number, base = 0): number => values[base + (y * shape.width + x) * shape.channels + c];

/** Mirrors image k of a dataset-shaped array in place of a copy. */
function mirrored(data: ImageDataset, index: number): Float32Array {
  const per = data.height * data.width * data.channels;
  const one = data.images.slice(index * per, (index + 1) * per);
  return augmentImages(one, 1, data, 'flip', () => 0).images;
}

describe('augmentImages', () => {
  it('mirrors an image left–right, channels kept together, and leaves the batch as it was', () => {
    const { images, flipped } = augmentImages(image, 1, shape, 'flip', () => 0);
    expect(Array.from(flipped)).toEqual([1]);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 2; c++) expect(pixel(images, y, x, c)).toBe(100 * y + 10 * (2 - x) + c);
    expect(pixel(image, 0, 0, 1)).toBe(1);
    // A draw of ½ or more keeps the image as it is.
    expect(Array.from(augmentImages(image, 1, shape, 'flip', () => 0.7).images)).toEqual(Array.from(image));
  });

  it('shifts by up to 4 pixels, repeating the edge', () => {
    // Draws: no flip (0.9), dx = floor(0.99·9) − 4 = 4, dy = floor(0.5·9) − 4 = 0.
    const draws = [0.9, 0.99, 0.5];
    const { images, shifted } = augmentImages(image, 1, shape, 'flip-shift', () => draws.shift()!);
    expect(shifted).toBe(true);
    // Moved right by 4 on a 3-wide image: every pixel is the left edge's.
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) expect(pixel(images, y, x, 0)).toBe(100 * y);
  });
});

/** A model that reads left against right: logits [Σ left half, Σ right half] of a 4×4×1 image. */
function leftRightModel(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 2, useBias: false })] });
  const kernel = new Float32Array(16 * 2);
  for (let i = 0; i < 16; i++) kernel[i * 2 + ((i % 4) < 2 ? 0 : 1)] = 1;
  model.layers[1].setWeights([tf.tensor2d(kernel, [16, 2])]);
  return model;
}

/** A model that reads top against bottom. */
function topBottomModel(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 2, useBias: false })] });
  const kernel = new Float32Array(16 * 2);
  for (let i = 0; i < 16; i++) kernel[i * 2 + (Math.floor(i / 4) < 2 ? 0 : 1)] = 1;
  model.layers[1].setWeights([tf.tensor2d(kernel, [16, 2])]);
  return model;
}

/** Class 0 where the left half (or the top half) is bright, class 1 where the other is. */
function halves(count: number, by: 'left-right' | 'top-bottom'): ImageDataset {
  const images = new Float32Array(count * 16);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    labels[n] = n % 2;
    for (let i = 0; i < 16; i++) {
      const first = by === 'left-right' ? (i % 4) < 2 : Math.floor(i / 4) < 2;
      images[n * 16 + i] = (first === (labels[n] === 0) ? 1 : 0) + 0.1 * ((n * 7 + i) % 3);
    }
  }
  return { images, labels, count, height: 4, width: 4, channels: 1, numClasses: 2, classNames: ['a', 'b'], source: by };
}

describe('decideAugmentation (auto)', () => {
  it('says no flips where the classes tell left from right (the original falls on mirrored images)', async () => {
    const model = leftRightModel();
    const decision = await expectNoLeaks(() => decideAugmentation('auto', model, halves(40, 'left-right'), 'logits'));
    expect(decision).toMatchObject({ mode: 'none', auto: true, accuracy: 1, flippedAccuracy: 0 });
    model.dispose();
  });

  it('says flips where mirroring keeps what the images show', async () => {
    const model = topBottomModel();
    const decision = await decideAugmentation('auto', model, halves(40, 'top-bottom'), 'logits');
    expect(decision).toMatchObject({ mode: 'flip', auto: true, accuracy: 1, flippedAccuracy: 1 });
    model.dispose();
  });

  it('keeps an explicit choice, and says none without an original to ask', async () => {
    expect(await decideAugmentation('flip-shift', undefined, halves(4, 'top-bottom'), 'logits')).toEqual({ mode: 'flip-shift', auto: false });
    expect(await decideAugmentation('auto', undefined, halves(4, 'top-bottom'), 'logits')).toEqual({ mode: 'none', auto: true });
  });
});

describe('training with augmentation', () => {
  const fit = syntheticDataset(32);
  // Calibration images the guard reads: a dataset of its own, to tell its images from the fit images.
  const calibration = syntheticDataset(16, 6, 2, 11);
  const key = (values: ArrayLike<number>): string => Array.from(values, (v) => v.toFixed(5)).join(',');

  it('trains on mirrored fit images (labels with their images), never on mirrored calibration images, and leaks nothing', async () => {
    const spec = await residualModel();
    const analysis = analyzeModel(spec);
    const model = await modelFromSpec(spec);
    const teacherModel = await modelFromSpec(spec);
    const teacher = new Teacher(teacherModel, 'softmax', fit);
    const seen: Float32Array[] = [];
    const apply = model.apply.bind(model);
    model.apply = ((inputs: tf.Tensor, kwargs?: Record<string, unknown>) => {
      seen.push(inputs.dataSync() as Float32Array);
      return apply(inputs, kwargs);
    }) as typeof model.apply;
    const settings = { ...DEFAULT_TRAIN_SETTINGS, epochs: 1, batchSize: 8, learningRate: 0.01, optimizer: 'sgd' as const, augmentation: 'flip' as const, distillation: 0.5 };
    const summary = await expectNoLeaks(() => trainSparse(model, fit, settings, {
      analysis, teacher, guard: { data: calibration, floor: 0, every: 2 },
    }));
    expect(summary.augmentation).toEqual({ mode: 'flip', auto: false });
    const per = 6 * 6 * 2;
    const images = new Set(seen.flatMap((values) => Array.from({ length: values.length / per }, (_, k) => key(values.subarray(k * per, (k + 1) * per)))));
    // Every training batch holds, at each position, that position's image or its mirror: the labels stay with their images.
    const trainBatches = [...batches(fit, 8, { shuffle: true, seed: settings.seed })];
    let mirroredCount = 0;
    for (const batch of trainBatches) {
      for (let k = 0; k < batch.size; k++) {
        const plain = key(fit.images.subarray(batch.indices[k] * per, (batch.indices[k] + 1) * per));
        const flipped = key(mirrored(fit, batch.indices[k]));
        expect(images.has(plain) || images.has(flipped)).toBe(true);
        if (images.has(flipped)) mirroredCount++;
      }
    }
    expect(mirroredCount).toBeGreaterThan(4);
    expect(mirroredCount).toBeLessThan(28);
    // The guard read the calibration images as they are, never mirrored.
    for (let n = 0; n < calibration.count; n++) {
      expect(images.has(key(calibration.images.subarray(n * per, (n + 1) * per)))).toBe(true);
      expect(images.has(key(mirrored(calibration, n)))).toBe(false);
    }
    model.dispose();
    teacherModel.dispose();
  });

  it('gives the teacher the mirrored image the student sees', async () => {
    // Flatten + dense: not mirror-invariant (a model ending in global pooling would be).
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [6, 6, 2] }), tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) })] });
    const teacher = new Teacher(model, 'logits', fit);
    const indices = Int32Array.from([3, 5]);
    const fromCache = await teacher.targetsFor(indices, 4, Uint8Array.from([1, 0]));
    const both = new Float32Array(2 * 72);
    both.set(mirrored(fit, 3), 0);
    both.set(fit.images.subarray(5 * 72, 6 * 72), 72);
    const direct = await teacher.targetsOn(both, 2, 4);
    Array.from(direct.target).forEach((value, i) => expect(fromCache.target[i]).toBeCloseTo(value, 5));
    const plain = await teacher.targetsFor(indices, 4);
    expect(Math.abs(plain.target[0] - fromCache.target[0]) + Math.abs(plain.target[1] - fromCache.target[1])).toBeGreaterThan(1e-6);
    model.dispose();
  });

  it('flipping a whole dataset twice gives it back', () => {
    expect(Array.from(flippedDataset(flippedDataset(fit)).images)).toEqual(Array.from(fit.images));
  });
});

describe('SGD in trainSparse', () => {
  it('follows the cosine schedule by step, and a resumed run continues it from its step', async () => {
    const spec = await residualModel();
    const data = syntheticDataset(64);
    const settings = { ...DEFAULT_TRAIN_SETTINGS, epochs: 2, batchSize: 16, learningRate: 0.01, optimizer: 'sgd' as const, target: 0.5, targetMode: 'fixed' as const };
    const analysis = analyzeModel(spec);
    const full: TrainStepEvent[] = [];
    const checkpoints: TrainCheckpoint[] = [];
    const first = await modelFromSpec(spec);
    await trainSparse(first, data, settings, { analysis, onEvent: (e) => e.kind === 'step' && full.push(e), checkpoints: { save: (c) => checkpoints.push(c) } });
    expect(full.map((e) => e.learningRate)).toEqual(full.map((_, i) => expect.closeTo((0.01 * (1 + Math.cos((Math.PI * i) / 8))) / 2, 12)));
    const resumed: TrainStepEvent[] = [];
    const second = await modelFromSpec(spec);
    await trainSparse(second, data, settings, { analysis, resume: checkpoints[0], onEvent: (e) => e.kind === 'step' && resumed.push(e) });
    expect(checkpoints[0].step).toBe(4);
    expect(resumed.map((e) => e.step)).toEqual([5, 6, 7, 8]);
    expect(resumed.map((e) => e.learningRate)).toEqual(full.slice(4).map((e) => e.learningRate));
    first.dispose();
    second.dispose();
  });
});
