/**
 * HDF5 through h5wasm (the HDF Group's C library compiled to WebAssembly,
 * maintained by NIST; the same build runs in Node and in a browser worker).
 * Loaded on first use, so the studio only fetches it for Keras files. Bytes go
 * into h5wasm's in-memory file system for the duration of one read.
 */
import type { Dataset, File as H5File, Group } from 'h5wasm';
import { UserError } from '../core/errors';
import type { WeightArray } from '../core/types';

export type { Dataset, H5File, Group };

/** Largest HDF5 file read: 1 GiB, as for unzipped archives. */
export const MAX_HDF5_BYTES = 1024 * 1024 * 1024;

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5 files start with their signature at byte 0 (or 512, 1024... after a user block). */
export function isHdf5(bytes: Uint8Array): boolean {
  for (let offset = 0; offset + SIGNATURE.length <= bytes.length && offset <= 65536; offset = offset === 0 ? 512 : offset * 2) {
    if (SIGNATURE.every((byte, index) => bytes[offset + index] === byte)) return true;
  }
  return false;
}

type H5wasm = typeof import('h5wasm').default;
let loaded: Promise<H5wasm> | undefined;

function h5wasm(): Promise<H5wasm> {
  loaded ??= import('h5wasm').then(async ({ default: library }) => {
    const module = await library.ready;
    // Turns HDF5's diagnostics (printed to stderr by default) into exceptions.
    module.activate_throwing_error_handler();
    return library;
  });
  return loaded;
}

let nextFile = 0;

/** Opens `bytes` as an HDF5 file, runs `read` on it, and always cleans up. */
export async function readHdf5<T>(bytes: Uint8Array, name: string, read: (file: H5File) => T): Promise<T> {
  if (bytes.byteLength > MAX_HDF5_BYTES) {
    throw new UserError(`${name} is ${bytes.byteLength} bytes; HDF5 files of at most ${MAX_HDF5_BYTES} bytes are read.`);
  }
  if (!isHdf5(bytes)) throw new UserError(`${name} is not an HDF5 file (no HDF5 signature); a Keras .h5 file or the model.weights.h5 of a .keras file is one.`);
  const library = await h5wasm();
  const FS = (await library.ready).FS;
  const path = `/gfr-${nextFile++}.h5`;
  FS.writeFile(path, bytes);
  let file: H5File | undefined;
  try {
    file = new library.File(path, 'r');
    return read(file);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${name} could not be read as HDF5 (${hdf5Reason(error)}); the file may be truncated or damaged.`);
  } finally {
    try {
      file?.close();
    } finally {
      FS.unlink(path);
    }
  }
}

/** The most specific line of an HDF5 error stack ("minor: ..."), or the message's first line. */
function hdf5Reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const minors = [...message.matchAll(/minor: (.+)/g)].map((match) => match[1].trim());
  return minors.length ? minors[minors.length - 1] : message.split('\n')[0];
}

/** A string attribute (HDF5 returns fixed or variable length strings as JS strings). */
export function stringAttribute(group: Group, name: string): string | undefined {
  if (!group.attrs[name]) return undefined;
  const value = group.attrs[name].value;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return undefined;
}

/** A list-of-strings attribute such as `layer_names` or `weight_names`. */
export function stringListAttribute(group: Group, name: string): string[] | undefined {
  if (!group.attrs[name]) return undefined;
  const value = group.attrs[name].value;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  return undefined;
}

export function isGroup(entity: unknown): entity is Group {
  return typeof entity === 'object' && entity !== null && typeof (entity as Group).keys === 'function' && !('shape' in entity);
}

/** Reads a float dataset; refuses non-float data and more than `budget` values before reading. */
export function readFloatDataset(dataset: Dataset, what: string, budget: number): WeightArray {
  const meta = dataset.metadata;
  const shape = dataset.shape ?? [];
  const size = shape.reduce((product, value) => product * value, 1);
  if (size > budget) {
    throw new UserError(`Weight ${what} has shape [${shape.join(', ')}] (${size} values), beyond what the engine reads (at most ${budget} more values); it was refused before reading.`);
  }
  // type 1 is H5T_FLOAT; half-precision files come from mixed-precision training.
  if (meta.type !== 1 || (meta.size !== 4 && meta.size !== 8)) {
    throw new UserError(`Weight ${what} is stored as ${meta.type === 1 ? `${meta.size * 8}-bit floats` : 'non-float data'}; only 32- and 64-bit float weights are read.`);
  }
  const value = dataset.value;
  if (!(value instanceof Float32Array || value instanceof Float64Array)) {
    throw new UserError(`Weight ${what} could not be read as floats.`);
  }
  return { shape: [...shape], values: value instanceof Float32Array ? value : Float32Array.from(value) };
}
