/**
 * Dropped files as one flat list of paths: zips expanded in place (an entry
 * `cat/1.png` of `pets.zip` becomes `pets/cat/1.png`), hidden files and
 * macOS metadata left out.
 */
import { archiveBudget, unzipSafely, type ArchiveBudget } from '../engine/core/zip';
import { isClutter } from '../engine/data/imageFiles';
import type { DroppedFile } from './studioTypes';

export interface FileEntry {
  /** Folders and name, '/'-separated, without a leading '/'. */
  path: string;
  bytes: Uint8Array;
}

export const baseName = (path: string): string => path.split('/').pop() ?? path;

const normalise = (path: string): string => path.replace(/\\/g, '/').replace(/^\/+/, '');

/** Every zip of the drop draws on one expansion allowance, so many archives cannot add up past it. */
export function expandFiles(files: DroppedFile[]): FileEntry[] {
  const entries: FileEntry[] = [];
  const budget = archiveBudget();
  for (const file of files) {
    const path = normalise(file.path || file.name);
    const bytes = new Uint8Array(file.bytes);
    if (path.toLowerCase().endsWith('.zip')) entries.push(...unzip(path, bytes, budget));
    else entries.push({ path, bytes });
  }
  return entries.filter((entry) => !isClutter(entry.path));
}

/** Folder entries of a zip are kept as paths ending in '/', so empty class folders are seen. */
function unzip(path: string, bytes: Uint8Array, budget: ArchiveBudget): FileEntry[] {
  const folder = path.slice(0, -'.zip'.length);
  return unzipSafely(bytes, path, true, budget).map((entry) => ({ path: `${folder}/${normalise(entry.name)}`, bytes: entry.bytes }));
}
