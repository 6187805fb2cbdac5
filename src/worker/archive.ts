/**
 * Dropped files as one flat list of paths: zips expanded in place (an entry
 * `cat/1.png` of `pets.zip` becomes `pets/cat/1.png`), hidden files and
 * macOS metadata left out.
 */
import { unzipSync } from 'fflate';
import { UserError } from '../engine/core/errors';
import { MAX_UNZIPPED_BYTES } from '../engine/io/modelFiles';
import type { DroppedFile } from './studioTypes';

export interface FileEntry {
  /** Folders and name, '/'-separated, without a leading '/'. */
  path: string;
  bytes: Uint8Array;
}

export const baseName = (path: string): string => path.split('/').pop() ?? path;

const normalise = (path: string): string => path.replace(/\\/g, '/').replace(/^\/+/, '');

/** Dotfiles, `__MACOSX/`, `Thumbs.db`: what file managers add, never data. */
function isClutter(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX') || /(^|\/)(Thumbs\.db|desktop\.ini)$/i.test(path);
}

export function expandFiles(files: DroppedFile[]): FileEntry[] {
  const entries: FileEntry[] = [];
  for (const file of files) {
    const path = normalise(file.path || file.name);
    const bytes = new Uint8Array(file.bytes);
    if (path.toLowerCase().endsWith('.zip')) entries.push(...unzip(path, bytes));
    else entries.push({ path, bytes });
  }
  return entries.filter((entry) => !isClutter(entry.path));
}

/** Folder entries of a zip are kept as paths ending in '/', so empty class folders are seen. */
function unzip(path: string, bytes: Uint8Array): FileEntry[] {
  const folder = path.slice(0, -'.zip'.length);
  let total = 0;
  let unpacked: Record<string, Uint8Array>;
  try {
    unpacked = unzipSync(bytes, {
      filter: (entry) => {
        if (entry.name.split('/').includes('..')) throw new UserError(`${path} holds an entry '${entry.name}' that points outside the archive; it was refused.`);
        total += entry.originalSize;
        if (total > MAX_UNZIPPED_BYTES) throw new UserError(`${path} expands to more than ${MAX_UNZIPPED_BYTES} bytes; it was refused.`);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${path} is not a readable zip (${(error as Error).message}).`);
  }
  return Object.entries(unpacked).map(([name, content]) => ({ path: `${folder}/${normalise(name)}`, bytes: content }));
}
