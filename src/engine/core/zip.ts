/** Zip archives read defensively: entries that escape the archive and zip bombs are refused before inflating. */
import { unzipSync } from 'fflate';
import { UserError } from './errors';

/** Largest total size a zip may expand to. */
export const MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024;

export interface ZipEntry {
  /** '/'-separated path inside the archive. */
  name: string;
  bytes: Uint8Array;
}

/** Every file of the archive (folders left out), or a UserError naming what is wrong. */
/** `keepFolders`: folder entries too, as names ending in '/' (empty folders matter for image classes). */
export function unzipSafely(bytes: Uint8Array, name: string, keepFolders = false, limit = MAX_UNZIPPED_BYTES): ZipEntry[] {
  let total = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (entry) => {
        const path = entry.name.replace(/\\/g, '/');
        if (path.split('/').includes('..') || path.startsWith('/') || /^[a-z]:/i.test(path)) {
          throw new UserError(`${name} holds an entry '${entry.name}' that points outside the archive; it was refused.`);
        }
        total += entry.originalSize;
        if (total > limit) throw new UserError(`${name} expands to more than ${limit} bytes (the most an archive may expand to); it was refused.`);
        return keepFolders || !path.endsWith('/');
      },
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${name} is not a readable zip (${(error as Error).message}).`);
  }
  return Object.entries(entries).map(([path, content]) => ({ name: path, bytes: content }));
}
