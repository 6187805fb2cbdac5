/**
 * Node-only: the `--out` folder of `prune`, checked before any work and replaced as a whole at the end.
 *
 * Files are written into a hidden sibling folder (same file system, so a rename moves it), weights.bin before
 * model.json, and the sibling is renamed onto `--out` only once every file is complete: a kill at any moment
 * leaves `--out` holding the old files or the new ones, never a model.json beside weights it does not describe.
 */
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UserError } from '../src/engine/core/errors';
import type { NamedBytes } from '../src/engine/io/modelFiles';

export interface OutputFolder {
  /** Where the files end up. */
  readonly path: string;
  /** Writes the files (in the order given) and moves them into place; what `--out` held beside them is kept. */
  commit(files: NamedBytes[], onWritten?: (name: string) => void): void;
  /** Removes the unfinished sibling (a run that wrote nothing). */
  discard(): void;
}

/**
 * Checks `out` before any training: a folder that already holds a model is refused unless `overwrite`, and the
 * place must be writable (the sibling folder is created now, so a read-only place fails at once).
 */
export function prepareOutputFolder(out: string, overwrite: boolean): OutputFolder {
  const path = resolve(out);
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new UserError(`--out ${out} is a file; give a folder (new, empty, or one to add the model to).`);
    if (existsSync(join(path, 'model.json'))) {
      if (!overwrite) throw new UserError(`--out ${out} already holds a model (model.json); nothing was trained. Give a new folder, or add --overwrite to replace it.`);
      // Replacing it moves the folder aside (see moveIntoPlace): not the folder the command runs in.
      if (!relative(path, process.cwd()).startsWith('..')) throw new UserError(`--out ${out} is the folder the command runs in (or holds it); give another folder to replace a model in.`);
    }
    ensureWritable(path, out);
  }
  const parent = dirname(path);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (error) {
    throw new UserError(`--out ${out}: cannot create ${parent} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a folder you can write to.`);
  }
  ensureWritable(parent, out);
  let staging: string;
  try {
    staging = mkdtempSync(join(parent, `.${basename(path)}.partial-`));
  } catch (error) {
    throw new UserError(`--out ${out} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was trained. Give a folder you can write to.`);
  }
  return {
    path,
    commit(files, onWritten) {
      try {
        for (const file of files) {
          writeFileSync(join(staging, file.name), file.bytes);
          onWritten?.(file.name);
        }
        moveIntoPlace(staging, path);
      } catch (error) {
        rmSync(staging, { recursive: true, force: true });
        throw error;
      }
    },
    discard() {
      rmSync(staging, { recursive: true, force: true });
    },
  };
}

function ensureWritable(path: string, asGiven: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch {
    throw new UserError(`--out ${asGiven}: ${path} is not writable; nothing was trained. Give a folder you can write to.`);
  }
}

/**
 * A new or empty `path` is replaced by one rename. A folder without a model gets the files one by one, model.json
 * last, so it holds no model.json or the whole new pair. A folder whose model is replaced steps aside for a copy
 * of itself holding the new files (what it held beside them copied in first); a kill between those two renames
 * leaves both complete, the old one as `.NAME.previous-…` beside it.
 */
function moveIntoPlace(staging: string, path: string): void {
  if (!existsSync(path) || readdirSync(path).length === 0) {
    renameSync(staging, path);
    return;
  }
  const written = readdirSync(staging);
  if (!existsSync(join(path, 'model.json'))) {
    const modelLast = [...written.filter((name) => name !== 'model.json'), ...written.filter((name) => name === 'model.json')];
    for (const name of modelLast) renameSync(join(staging, name), join(path, name));
    rmSync(staging, { recursive: true, force: true });
    return;
  }
  for (const name of readdirSync(path)) {
    if (!written.includes(name)) cpSync(join(path, name), join(staging, name), { recursive: true });
  }
  const previous = mkdtempSync(join(dirname(path), `.${basename(path)}.previous-`));
  rmSync(previous, { recursive: true });
  renameSync(path, previous);
  renameSync(staging, path);
  rmSync(previous, { recursive: true, force: true });
}
