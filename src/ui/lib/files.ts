/**
 * Files the user gives the studio, by drop (files, folders) or file dialog,
 * read into bytes and sorted into "a model" and "data" by their names. Zips
 * are peeked at (names only, nothing inflated) to tell a zipped model from a
 * zipped image folder. No parsing here: the worker reads the contents.
 */
import { unzip } from 'fflate';

import type { DroppedFile } from '../../worker/studioTypes';

/** A file with the path it had inside a dropped folder (or its name). */
export interface PathedFile {
  file: File;
  path: string;
}

/** model.json, weight shards, Keras files (.keras, legacy .h5 / .hdf5), ONNX files (.onnx, e.g. PyTorch's export). */
const MODEL_FILE = /\.(json|bin|keras|h5|hdf5|onnx)$|shard\d+of\d+/i;
const ZIP_FILE = /\.zip$/i;

/**
 * Takes what a drop carries *now*: DataTransfer items are only readable
 * during the event, so call this synchronously in the drop handler.
 */
export function takeDropped(transfer: DataTransfer): Promise<PathedFile[]> {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(transfer.items ?? [])) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) loose.push(file);
    }
  }
  if (entries.length === 0 && loose.length === 0) loose.push(...Array.from(transfer.files ?? []));
  return (async () => {
    const fromEntries = (await Promise.all(entries.map((entry) => walk(entry, '')))).flat();
    return [...fromEntries, ...loose.map((file) => ({ file, path: file.webkitRelativePath || file.name }))];
  })();
}

async function walk(entry: FileSystemEntry, prefix: string): Promise<PathedFile[]> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ file, path }];
  }
  if (!entry.isDirectory) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries returns at most ~100 entries per call; read until empty.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map((child) => walk(child, path)))).flat();
}

/** Files from an `<input type="file">` (with or without `webkitdirectory`). */
export function fromInput(list: FileList | null): PathedFile[] {
  return Array.from(list ?? []).map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** Names of the entries of a zip, without inflating any of them. */
function zipNames(bytes: Uint8Array): Promise<string[]> {
  return new Promise((resolve) => {
    const names: string[] = [];
    unzip(
      bytes,
      {
        filter: (entry) => {
          names.push(entry.name);
          return false;
        },
      },
      () => resolve(names),
    );
  });
}

export interface SortedFiles {
  model: DroppedFile[];
  data: DroppedFile[];
}

const isHidden = (path: string): boolean => path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX');

/** Reads the files and sorts them: model.json / weight shards / Keras and ONNX files / zipped model → model; the rest → data. */
export async function readAndSort(files: PathedFile[]): Promise<SortedFiles> {
  const sorted: SortedFiles = { model: [], data: [] };
  for (const { file, path } of files) {
    if (isHidden(path)) continue;
    const bytes = await file.arrayBuffer();
    const dropped: DroppedFile = { name: file.name, path, bytes };
    if (MODEL_FILE.test(file.name)) sorted.model.push(dropped);
    else if (ZIP_FILE.test(file.name)) {
      const names = await zipNames(new Uint8Array(bytes));
      (names.some((name) => /(^|\/)[^/]*\.json$/i.test(name)) ? sorted.model : sorted.data).push(dropped);
    } else sorted.data.push(dropped);
  }
  return sorted;
}

/** All files' buffers, to move them into the worker instead of copying. */
export function buffersOf(files: DroppedFile[]): ArrayBuffer[] {
  return [...new Set(files.map((file) => file.bytes))];
}
