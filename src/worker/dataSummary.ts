/** What the page shows about the data: sizes, class counts and a few sample images. */
import type { ImageDataset } from '../engine/core/types';
import { classCounts, type DatasetSplit } from '../engine/data/split';
import { unscalePixels } from '../engine/data/scaling';
import type { DataSummary } from './studioTypes';

export const SAMPLE_COUNT = 12;

/** Validation images: 10% of the data, at most 1,000 (docs/METHOD.md §7). */
export const validationCount = (count: number): number => Math.min(1000, Math.max(1, Math.round(count * 0.1)));

/** The first images of each class in turn, so that every class shows up. */
function sampleIndices(ds: ImageDataset, count: number): number[] {
  const byClass = Array.from({ length: ds.numClasses }, () => [] as number[]);
  const perClass = Math.ceil(count / ds.numClasses);
  for (let i = 0; i < ds.count; i++) {
    const list = byClass[ds.labels[i]];
    if (list.length < perClass) list.push(i);
  }
  const picked: number[] = [];
  for (let round = 0; round < perClass && picked.length < count; round++) {
    for (const list of byClass) if (round < list.length && picked.length < count) picked.push(list[round]);
  }
  return picked;
}

function rgbaOf(ds: ImageDataset, index: number): Uint8ClampedArray {
  const pixels = ds.height * ds.width;
  const values = unscalePixels(ds.images.subarray(index * pixels * ds.channels, (index + 1) * pixels * ds.channels), ds.channels);
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const [r, g, b] = ds.channels >= 3 ? [values[p * ds.channels], values[p * ds.channels + 1], values[p * ds.channels + 2]] : [values[p * ds.channels], values[p * ds.channels], values[p * ds.channels]];
    rgba.set([r, g, b, 255], p * 4);
  }
  return rgba;
}

/**
 * `split.separateValidation`: the validation images are the user's own (all of `ds` trains); otherwise they are held
 * out from `ds`. `validationNotes`: what reading those images noted.
 */
export function summarizeData(ds: ImageDataset, split: DatasetSplit & { separateValidation?: boolean }, source: string, notes: string[], validationNotes: string[] = []): DataSummary {
  const separate = split.separateValidation ?? false;
  return {
    source,
    count: ds.count,
    trainCount: split.train.count,
    validationCount: split.validation.count,
    validation: {
      separate,
      source: separate ? split.validation.source : source,
      count: split.validation.count,
      ...(separate ? { classCounts: classCounts(split.validation) } : {}),
      ...(validationNotes.length ? { notes: validationNotes } : {}),
    },
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    classNames: [...ds.classNames],
    classCounts: classCounts(ds),
    samples: sampleIndices(ds, SAMPLE_COUNT).map((index) => ({ label: ds.labels[index], rgba: rgbaOf(ds, index) })),
    ...(notes.length ? { notes } : {}),
  };
}
