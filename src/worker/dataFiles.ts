/**
 * Dropped data files → a dataset: IDX pairs (gzipped or not) or a folder/zip
 * of class folders of images, told apart by their names.
 */
import { UserError } from '../engine/core/errors';
import type { ImageDataset } from '../engine/core/types';
import { datasetFromIdxFiles } from '../engine/data/idxFiles';
import { datasetFromImageFiles, isImagePath, MAX_DEFAULT_SIDE, type ImageDecoder, type ImageFolderResult } from '../engine/data/imageFiles';
import { baseName, expandFiles, type FileEntry } from './archive';
import type { DroppedFile } from './studioTypes';

const IDX_RE = /(images|labels)-idx\d/i;

export interface LoadedFiles {
  dataset: ImageDataset;
  notes: string[];
  /** Set for image folders: they can be decoded again at another model's input size. */
  images: FileEntry[] | null;
}

export interface ImageReadOptions {
  decode: ImageDecoder;
  /** [height, width, channels] to produce (a dropped model's input); without it, a common size of at most MAX_DEFAULT_SIDE, gray or RGB as found. */
  shape?: [number, number, number];
}

/** Class folders of images as the studio reads them: what cannot be read is skipped with a note. */
export function datasetFromImageEntries(entries: FileEntry[], { decode, shape }: ImageReadOptions, signal?: AbortSignal): Promise<ImageFolderResult> {
  const size = shape ? { height: shape[0], width: shape[1], channels: shape[2] } : { maxSide: MAX_DEFAULT_SIDE };
  return datasetFromImageFiles(entries, decode, { ...size, skipBadFiles: true, signal });
}

export async function datasetFromFiles(files: DroppedFile[], options: ImageReadOptions, signal?: AbortSignal): Promise<LoadedFiles> {
  if (files.length === 0) throw new UserError('No data files were given: drop IDX files or a folder/zip of class folders of images.');
  const entries = expandFiles(files);
  const idx = entries.filter((entry) => IDX_RE.test(baseName(entry.path)));
  if (idx.length > 0) {
    const folder = files.length === 1 && files[0].name.toLowerCase().endsWith('.zip') ? files[0].name : undefined;
    const dataset = datasetFromIdxFiles(idx.map((entry) => ({ name: baseName(entry.path), bytes: entry.bytes })), { folderName: folder });
    const ignored = entries.filter((entry) => !entry.path.endsWith('/')).length - idx.length;
    return { dataset, notes: ignored ? [`Ignored ${ignored} file(s) besides the IDX pair.`] : [], images: null };
  }
  if (!entries.some((entry) => isImagePath(entry.path))) {
    const names = files.map((file) => file.name).slice(0, 5).join(', ');
    throw new UserError(`No IDX files or images among ${names}: drop train-images-idx3-ubyte(.gz) with train-labels-idx1-ubyte(.gz), or a folder/zip of class folders of PNG or JPEG images.`);
  }
  const { dataset, notes } = await datasetFromImageEntries(entries, options, signal);
  return { dataset, notes, images: entries };
}
