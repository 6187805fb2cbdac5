/**
 * Picking the images/labels pair among a set of IDX file names, shared by the
 * Node folder reader and the studio (files dropped in the browser).
 */
import type { ImageDataset } from '../core/types';
import type { InputScaling } from '../../contract/preprocessing';
import { UserError } from '../core/errors';
import { datasetFromIdx } from './idx';

export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Which pair to use when a folder holds several (e.g. train-* and t10k-*). */
export type IdxPart = 'train' | 'test';

export interface IdxPair {
  /** What the two names share before `images-idx` / `labels-idx`, e.g. `train-`. */
  prefix: string;
  images: string;
  labels: string;
}

const IMAGES_RE = /images-idx/i;
const LABELS_RE = /labels-idx/i;
const PART_PREFIX: Record<IdxPart, RegExp> = { train: /^train/i, test: /^(t10k|test)/i };

function prefixOf(name: string, re: RegExp): string {
  return name.slice(0, name.search(re));
}

/** Every images/labels pair among `names` (base names), matched by prefix. */
export function findIdxPairs(names: string[]): IdxPair[] {
  const images = names.filter((n) => IMAGES_RE.test(n)).sort();
  const labels = names.filter((n) => LABELS_RE.test(n)).sort();
  // One of each: pair them even if their prefixes differ.
  if (images.length === 1 && labels.length === 1) {
    return [{ prefix: prefixOf(images[0], IMAGES_RE), images: images[0], labels: labels[0] }];
  }
  const pairs: IdxPair[] = [];
  for (const img of images) {
    const prefix = prefixOf(img, IMAGES_RE);
    const lab = labels.find((l) => prefixOf(l, LABELS_RE) === prefix);
    if (lab) pairs.push({ prefix, images: img, labels: lab });
  }
  return pairs;
}

/**
 * The pair to load for `part`. With a single pair that pair is used for
 * 'train'; 'test' always needs a t10k-* or test-* pair.
 */
export function pickIdxPair(names: string[], part: IdxPart = 'train', where = 'the folder'): IdxPair {
  const pairs = findIdxPairs(names);
  if (pairs.length === 0) {
    throw new UserError(
      `No IDX images/labels pair found in ${where}. It needs one file whose name contains "images-idx" and one ` +
        `whose name contains "labels-idx" (e.g. train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz). ` +
        `Found: ${names.length ? names.join(', ') : 'no files'}.`,
    );
  }
  const matching = pairs.filter((p) => PART_PREFIX[part].test(p.prefix));
  if (matching.length >= 1) return matching[0];
  if (part === 'train' && pairs.length === 1) return pairs[0];
  const listed = pairs.map((p) => `${p.images} + ${p.labels}`).join('; ');
  throw new UserError(
    part === 'test'
      ? `No test pair (t10k-* or test-*) in ${where}; found: ${listed}.`
      : `Several IDX pairs in ${where} and none named train-*: ${listed}. Keep one pair or rename the training pair to train-*.`,
  );
}

/** Fashion-MNIST names when the folder name says so, else undefined (class indices are used). */
export function classNamesForFolder(folderName: string): string[] | undefined {
  return /fashion/i.test(folderName) ? [...FASHION_MNIST_CLASS_NAMES] : undefined;
}

export interface IdxFile {
  name: string;
  bytes: Uint8Array;
}

export interface IdxFilesOptions {
  scaling?: InputScaling;
  part?: IdxPart;
  /** Folder (or zip) the files came from; used for the source and class names. */
  folderName?: string;
  classNames?: string[];
}

/** Loads a dataset from in-memory IDX files, e.g. ones the user dropped in the studio. */
export function datasetFromIdxFiles(files: IdxFile[], options: IdxFilesOptions = {}): ImageDataset {
  const where = options.folderName ?? 'the files';
  const pair = pickIdxPair(files.map((f) => f.name), options.part ?? 'train', where);
  const bytesOf = (name: string) => files.find((f) => f.name === name)!.bytes;
  return datasetFromIdx(bytesOf(pair.images), bytesOf(pair.labels), {
    scaling: options.scaling,
    source: options.folderName ? `${options.folderName} (${pair.images})` : pair.images,
    classNames: options.classNames ?? classNamesForFolder(options.folderName ?? ''),
    imagesName: pair.images,
    labelsName: pair.labels,
  });
}
