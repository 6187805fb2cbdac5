/**
 * The studio's data: images as read (pixels in [0, 1]) and as the model sees them (the preprocessing applied), their
 * seeded split, and the user's own validation images, which live with the data (scaled with it, decoded again at a
 * model's size with it, carried over new data while they fit).
 */
import { CancelledError } from '../../engine/core/abort';
import { UserError } from '../../engine/core/errors';
import type { ImageDataset } from '../../engine/core/types';
import { DEFAULT_SCALING, sameScaling, type InputScaling } from '../../contract/preprocessing';
import { scaleDataset, validateScaling } from '../../engine/data/scaling';
import type { ImageDecoder } from '../../engine/data/imageFiles';
import { splitDataset } from '../../engine/data/split';
import { checkValidationImages } from '../../engine/data/validationImages';
import type { SessionData } from '../../engine/session';
import type { FileEntry } from '../archive';
import { datasetFromFiles, datasetFromImageEntries } from '../dataFiles';
import type { CallContext } from '../callContext';
import { summarizeData, validationCount } from '../dataSummary';
import type { DataSummary, DroppedFile } from '../studioTypes';
import { datasetShape, sameShape, type Shape3 } from './loadedModel';

/** The train/validation split is always the same for the same data. */
export const SPLIT_SEED = 1;

export interface LoadedData {
  /** The images as read, pixels in [0, 1]: shown, and scaled again when the preprocessing changes. */
  unit: ImageDataset;
  /** The images as the model sees them: `unit` with `scaling` applied. */
  dataset: ImageDataset;
  scaling: InputScaling;
  split: SessionData;
  source: string;
  notes: string[];
  /** The files of an image folder, to decode again at a dropped model's input size. */
  images: FileEntry[] | null;
  /** The user's own validation images, when given: they judge the result, and all of `dataset` trains (see `split`). */
  validation: LoadedValidation | null;
}

/** Validation images the user gave apart from the data, read at the data's size and checked against it. */
export interface LoadedValidation {
  /** As read, pixels in [0, 1]. */
  unit: ImageDataset;
  /** As the model sees them: `unit` with the data's scaling. */
  dataset: ImageDataset;
  /** The files as dropped: saved, and read again after a reload. */
  files: DroppedFile[];
  /** The files of an image folder, to decode again when the data's size changes. */
  images: FileEntry[] | null;
  notes: string[];
}

/** Where the user is told what to do with validation images that do not fit. */
const VALIDATION_ADVICE = 'Give validation images of the same size, channels and classes as your data (for a folder: one subfolder per class, the same classes as the data); your data and your work are as they were.';

/** The scaling fits images with this many channels (a 3-channel mean does not fit gray images). */
export function fits(scaling: InputScaling, channels: number): boolean {
  try {
    validateScaling(scaling, channels);
    return true;
  } catch {
    return false;
  }
}

/** `data` with its images (and validation images) scaled as `scaling` says (the same split: it depends only on the count and the seed). */
export function scaled(data: LoadedData, scaling: InputScaling): LoadedData {
  if (sameScaling(data.scaling, scaling)) return data;
  return withValidation({ ...data, dataset: scaleDataset(data.unit, scaling), scaling }, data.validation);
}

/**
 * `data` judged on `validation` (scaled as the data is): all of the data trains and calibrates. Without validation
 * images, the seeded split of the data (docs/METHOD.md §7).
 */
export function withValidation(data: LoadedData, validation: LoadedValidation | null): LoadedData {
  if (!validation) return { ...data, validation: null, split: split(data.dataset) };
  const dataset = sameScaling(data.scaling, DEFAULT_SCALING) ? validation.unit : scaleDataset(validation.unit, data.scaling);
  const own = { ...validation, dataset };
  return { ...data, validation: own, split: { train: data.dataset, validation: dataset, separateValidation: true } };
}

function split(dataset: ImageDataset): SessionData {
  return splitDataset(dataset, { valCount: validationCount(dataset.count), seed: SPLIT_SEED });
}

/** Images as read (pixels in [0, 1]), before any preprocessing. */
function unscaled(dataset: ImageDataset, notes: string[], images: FileEntry[] | null): LoadedData {
  return { unit: dataset, dataset, scaling: DEFAULT_SCALING, split: split(dataset), source: dataset.source, notes, images, validation: null };
}

/** What the page shows of `data`; its sample images are transferred with the call's result. */
export function dataSummary(data: LoadedData, ctx: CallContext): DataSummary {
  const summary = summarizeData(data.unit, data.split, data.source, data.notes, data.validation?.notes);
  ctx.transfer.push(...summary.samples.map((sample) => sample.rgba.buffer as ArrayBuffer));
  return summary;
}

function checkedValidation(dataset: ImageDataset, unit: ImageDataset, files: DroppedFile[], images: FileEntry[] | null, notes: string[]): LoadedValidation {
  const checked = checkValidationImages(dataset, unit, VALIDATION_ADVICE, 'your data');
  return { unit: dataset, dataset, files, images, notes: [...notes, ...checked] };
}

/** Reads the data and the validation images: dropped files, image folders decoded at a size, the built-in digits. */
export class DataReader {
  constructor(
    private readonly decode: ImageDecoder,
    private readonly loadBuiltin: () => Promise<ImageDataset>,
  ) {}

  async builtin(): Promise<LoadedData> {
    return unscaled(await this.loadBuiltin(), [], null);
  }

  /** Dropped data; image folders are decoded at `shape` (a dropped model's input) when given. */
  async files(files: DroppedFile[], shape: Shape3 | undefined, signal: AbortSignal): Promise<LoadedData> {
    const { dataset, notes, images } = await datasetFromFiles(files, { decode: this.decode, shape }, signal);
    return unscaled(dataset, notes, images);
  }

  /** The files of an image folder decoded again at a model's input size. */
  async images(images: FileEntry[], shape: Shape3, signal: AbortSignal): Promise<LoadedData> {
    const { dataset, notes } = await datasetFromImageEntries(images, { decode: this.decode, shape }, signal);
    return unscaled(dataset, [...notes, `Images resized to the model's input, ${shape.join('×')}.`], images);
  }

  /** Validation images read from `files` at the size of `unit` (the data as read), checked against it: a UserError says what differs. */
  async validation(files: DroppedFile[], unit: ImageDataset, signal: AbortSignal): Promise<LoadedValidation> {
    const read = await datasetFromFiles(files, { decode: this.decode, shape: datasetShape(unit) }, signal);
    return checkedValidation(read.dataset, unit, files, read.images, read.notes);
  }

  /**
   * New data (or the data decoded again at a model's size) keeps the validation images when they fit it (an image
   * folder decoded again at its size); otherwise they go, with a note, and part of the data is held out again.
   */
  async carryValidation(data: LoadedData, validation: LoadedValidation | null, signal: AbortSignal): Promise<LoadedData> {
    if (!validation) return data;
    const { unit } = data;
    try {
      const resized = validation.images && !sameShape(datasetShape(validation.unit), datasetShape(unit))
        ? await datasetFromImageEntries(validation.images, { decode: this.decode, shape: datasetShape(unit) }, signal)
        : null;
      const kept = checkedValidation(resized?.dataset ?? validation.unit, unit, validation.files, validation.images, resized?.notes ?? []);
      return withValidation(data, kept);
    } catch (error) {
      if (!(error instanceof UserError) || error instanceof CancelledError) throw error;
      return { ...data, notes: [...data.notes, `Your validation images were set aside: ${error.message.replace(` ${VALIDATION_ADVICE}`, '')} The result is judged on images held out from this data; give validation images that fit to judge it on your own.`] };
    }
  }
}
