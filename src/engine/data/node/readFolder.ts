/**
 * Node-only: loads IDX datasets from a folder on disk. The only file of the
 * data layer that touches node:fs; everything else runs in a browser worker.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ImageDataset } from '../../core/types';
import type { InputScaling } from '../../../contract/preprocessing';
import { UserError } from '../../core/errors';
import { classNamesForFolder, datasetFromIdxFiles, pickIdxPair, type IdxPart } from '../idxFiles';

/** Where Debian's dataset-fashion-mnist package installs its files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * Loads the images/labels IDX pair in `dir` (gzipped or not). When the folder
 * holds several pairs, `part` 'train' takes train-* and 'test' takes t10k-* or test-*.
 * A folder whose name contains "fashion" gets the Fashion-MNIST class names.
 */
export function loadIdxFolder(dir: string, scaling?: InputScaling, part: IdxPart = 'train'): ImageDataset {
  const full = resolve(dir);
  const names = listFiles(full, dir);
  const pair = pickIdxPair(names, part, full);
  return datasetFromIdxFiles(
    [pair.images, pair.labels].map((name) => ({ name, bytes: readFileSync(join(full, name)) })),
    { scaling, part, folderName: full, classNames: classNamesForFolder(basename(full)) },
  );
}

/** The t10k-* (or test-*) pair of `dir`. */
export function loadIdxTestFolder(dir: string, scaling?: InputScaling): ImageDataset {
  return loadIdxFolder(dir, scaling, 'test');
}

function listFiles(full: string, asGiven: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(full).isDirectory();
  } catch {
    throw new UserError(`Folder "${asGiven}" does not exist. Give the path of a folder holding IDX files.`);
  }
  if (!isDir) throw new UserError(`"${asGiven}" is a file, not a folder. Give the folder that holds the IDX files.`);
  return readdirSync(full, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}
