/** Zip archives read defensively: entries that escape the archive and zip bombs are refused before inflating. */
import { unzipSync } from 'fflate';
import { UserError } from './errors';
import { LIMITS } from './limits';

/** Largest total size the archives of one drop (or one command) may expand to, together. */
export const MAX_UNZIPPED_BYTES = LIMITS.archiveBytes;

/** What is left of the expansion allowance, shared by every archive of one drop (or one command). */
export interface ArchiveBudget {
  left: number;
}

export const archiveBudget = (): ArchiveBudget => ({ left: MAX_UNZIPPED_BYTES });

export interface ZipEntry {
  /** '/'-separated path inside the archive. */
  name: string;
  bytes: Uint8Array;
}

/**
 * Every file of the archive (folders left out), or a UserError naming what is wrong. `keepFolders`: folder
 * entries too, as names ending in '/' (empty folders matter for image classes). `budget`: the allowance shared
 * with the other archives of the same drop, checked from the sizes the archive declares before inflating.
 */
export function unzipSafely(bytes: Uint8Array, name: string, keepFolders = false, budget: ArchiveBudget = archiveBudget()): ZipEntry[] {
  let total = 0;
  const limit = budget.left;
  const together = limit < MAX_UNZIPPED_BYTES ? `, with the archives before it, more than the ${MAX_UNZIPPED_BYTES} bytes all archives together may expand to` : ` (the most archives may expand to, together)`;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (entry) => {
        const path = entry.name.replace(/\\/g, '/');
        if (path.split('/').includes('..') || path.startsWith('/') || /^[a-z]:/i.test(path)) {
          throw new UserError(`${name} holds an entry '${entry.name}' that points outside the archive; it was refused.`);
        }
        total += entry.originalSize;
        if (total > limit) throw new UserError(`${name} expands to more than ${limit} bytes${together}; it was refused. Give fewer or smaller archives.`);
        return keepFolders || !path.endsWith('/');
      },
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${name} is not a readable zip (${(error as Error).message}).`);
  }
  budget.left -= total;
  return Object.entries(entries).map(([path, content]) => ({ name: path, bytes: content }));
}
