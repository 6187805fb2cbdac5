/**
 * Deterministic subsets of a dataset: seeded shuffles, train/validation
 * splits, class counts and mini-batches as plain arrays (no tensors).
 */
import type { ImageDataset } from '../core/types';
import { UserError } from '../core/errors';
import { shuffledIndices } from '../core/random';

function pixelsPerImage(ds: ImageDataset): number {
  return ds.height * ds.width * ds.channels;
}

/** A new dataset holding copies of the images at `indices`, in that order. */
export function subsetDataset(ds: ImageDataset, indices: ArrayLike<number>, source = ds.source): ImageDataset {
  const per = pixelsPerImage(ds);
  const images = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) {
      throw new RangeError(`subsetDataset: index ${i} is outside 0..${ds.count - 1}`);
    }
    images.set(ds.images.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = ds.labels[i];
  }
  return { ...ds, images, labels, count: indices.length, classNames: [...ds.classNames], source };
}

export interface SplitOptions {
  /** Number of validation images; give this or valFraction. */
  valCount?: number;
  /** Fraction of images for validation, in (0, 1). Default 0.1. */
  valFraction?: number;
  /** Shuffle seed; the same seed gives the same split. Default 0. */
  seed?: number;
  /** Keep only this many training images (after taking out validation). */
  trainCount?: number;
}

export interface DatasetSplit {
  train: ImageDataset;
  validation: ImageDataset;
}

/** Shuffles with `seed`, then takes validation images first and training images from the rest. */
export function splitDataset(ds: ImageDataset, options: SplitOptions = {}): DatasetSplit {
  const valCount = resolveValCount(ds.count, options);
  const available = ds.count - valCount;
  const trainCount = options.trainCount ?? available;
  if (!Number.isInteger(trainCount) || trainCount < 1 || trainCount > available) {
    throw new UserError(
      `Training count ${trainCount} is not possible: ${ds.count} images minus ${valCount} for validation ` +
        `leaves ${available}. Choose a whole number from 1 to ${available}.`,
    );
  }
  const order = shuffledIndices(ds.count, options.seed ?? 0);
  const valIdx = order.subarray(0, valCount);
  const trainIdx = order.subarray(valCount, valCount + trainCount);
  return {
    train: subsetDataset(ds, trainIdx, `${ds.source}, train split`),
    validation: subsetDataset(ds, valIdx, `${ds.source}, validation split`),
  };
}

function resolveValCount(count: number, options: SplitOptions): number {
  if (count < 2) {
    throw new UserError(`The dataset has ${count} image(s); a train/validation split needs at least 2.`);
  }
  if (options.valCount !== undefined && options.valFraction !== undefined) {
    throw new UserError('Give either a validation count or a validation fraction, not both.');
  }
  if (options.valCount !== undefined) {
    const v = options.valCount;
    if (!Number.isInteger(v) || v < 1 || v > count - 1) {
      throw new UserError(`Validation count ${v} is not possible with ${count} images. Choose a whole number from 1 to ${count - 1}.`);
    }
    return v;
  }
  const f = options.valFraction ?? 0.1;
  if (!(f > 0 && f < 1)) {
    throw new UserError(`Validation fraction ${f} must be between 0 and 1 (exclusive), e.g. 0.1.`);
  }
  return Math.min(count - 1, Math.max(1, Math.round(count * f)));
}

/** Images per class index, length numClasses. */
export function classCounts(ds: ImageDataset): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]]++;
  return counts;
}

export interface Batch {
  /** size·H·W·C floats, NHWC. */
  images: Float32Array;
  labels: Int32Array;
  size: number;
  /** Index in the dataset of each image of the batch. */
  indices: Int32Array;
}

export interface BatchOptions {
  /** Visit images in a seeded random order. Default false. */
  shuffle?: boolean;
  /** Seed for the order; pass a different one each epoch. Default 0. */
  seed?: number;
}

export function batchCount(ds: ImageDataset, batchSize: number): number {
  return Math.ceil(ds.count / batchSize);
}

/**
 * Mini-batches covering every image once, the last one partial. Each batch
 * owns fresh arrays, so it may be transferred to another worker.
 */
export function batches(ds: ImageDataset, batchSize: number, options: BatchOptions = {}): Generator<Batch> {
  // Checked here rather than in the generator so a bad size fails at the call.
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new UserError(`Batch size ${batchSize} must be a whole number of at least 1.`);
  }
  return batchGenerator(ds, batchSize, options);
}

function* batchGenerator(ds: ImageDataset, batchSize: number, options: BatchOptions): Generator<Batch> {
  const order = options.shuffle ? shuffledIndices(ds.count, options.seed ?? 0) : null;
  const per = pixelsPerImage(ds);
  for (let start = 0; start < ds.count; start += batchSize) {
    const size = Math.min(batchSize, ds.count - start);
    if (!order) {
      yield {
        images: ds.images.slice(start * per, (start + size) * per),
        labels: ds.labels.slice(start, start + size),
        size,
        indices: Int32Array.from({ length: size }, (_, k) => start + k),
      };
      continue;
    }
    const images = new Float32Array(size * per);
    const labels = new Int32Array(size);
    const indices = order.slice(start, start + size);
    for (let k = 0; k < size; k++) {
      const i = indices[k];
      images.set(ds.images.subarray(i * per, (i + 1) * per), k * per);
      labels[k] = ds.labels[i];
    }
    yield { images, labels, size, indices };
  }
}
