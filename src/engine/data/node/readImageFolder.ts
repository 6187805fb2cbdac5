/** Node-only: an image-per-class dataset from a folder or a zip on disk. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { UserError } from '../../core/errors';
import type { ImageDataset } from '../../core/types';
import { MAX_UNZIPPED_BYTES, unzipSafely } from '../../core/zip';
import { datasetFromImageFiles, isClutter, MAX_IMAGES, type ImageFile, type ImageFolderOptions } from '../imageFiles';
import { decodeImageNode } from './decodeImage';

/** Folders nested deeper than this under the given one are not read. */
const MAX_DEPTH = 4;

/** A zip, or a folder holding (class) folders rather than IDX files. */
export function isImageFolderPath(path: string): boolean {
  if (path.toLowerCase().endsWith('.zip')) return true;
  try {
    return readdirSync(resolve(path), { withFileTypes: true }).some((entry) => entry.isDirectory() && !isClutter(entry.name));
  } catch {
    return false;
  }
}

export async function loadImageFolder(path: string, options: ImageFolderOptions = {}): Promise<ImageDataset> {
  const full = resolve(path);
  const files = path.toLowerCase().endsWith('.zip') ? unzipFolder(full, path) : listImageFolder(full, MAX_DEPTH);
  const { dataset } = await datasetFromImageFiles(files, decodeImageNode, { ...options, source: options.source ?? basename(full) });
  return dataset;
}

function unzipFolder(full: string, asGiven: string): ImageFile[] {
  let size: number;
  try {
    size = statSync(full).size;
  } catch {
    throw new UserError(`"${asGiven}" does not exist. Give a zip or a folder of class folders of images.`);
  }
  if (size > MAX_UNZIPPED_BYTES) throw new UserError(`${asGiven} is ${size} bytes; archives of at most ${MAX_UNZIPPED_BYTES} bytes are read.`);
  return unzipSafely(readFileSync(full), basename(asGiven), true).map((entry) => ({ path: entry.name, bytes: entry.bytes }));
}

/** Files (and folders, as paths ending in '/') under `root`, relative to it. */
function listImageFolder(root: string, depth: number): ImageFile[] {
  const files: ImageFile[] = [];
  let total = 0;
  const walk = (dir: string, level: number): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const path = relative(root, full).split(/[\\/]/).join('/');
      if (isClutter(path)) continue;
      if (entry.isDirectory()) {
        files.push({ path: `${path}/`, bytes: new Uint8Array() });
        if (level < depth) walk(full, level + 1);
      } else if (entry.isFile()) {
        if (files.length > MAX_IMAGES) throw new UserError(`${root} holds more than ${MAX_IMAGES} files; at most ${MAX_IMAGES} images are read.`);
        total += statSync(full).size;
        if (total > MAX_UNZIPPED_BYTES) throw new UserError(`${root} holds more than ${MAX_UNZIPPED_BYTES} bytes of files; at most that much is read.`);
        files.push({ path, bytes: readFileSync(full) });
      }
    }
  };
  walk(root, 1);
  return files;
}
