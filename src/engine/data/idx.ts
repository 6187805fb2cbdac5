/**
 * IDX files (the MNIST format): 2 zero bytes, a dtype byte, a dims-count byte,
 * then each dim as a big-endian uint32, then the values, big-endian.
 * Files may be gzipped; we detect that from the gzip magic bytes.
 */
import { type ImageDataset } from '../core/types';
import { DEFAULT_SCALING, type InputScaling } from '../../contract/preprocessing';
import { UserError } from '../core/errors';
import { gunzipWithin, isGzip } from '../core/gzip';
import { checkDatasetSize } from '../core/limits';
import { scalePixels } from './scaling';

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dims: number[];
  dtype: IdxDtype;
  data: IdxData;
}

interface DtypeInfo {
  code: number;
  name: IdxDtype;
  bytes: number;
}

const DTYPES: DtypeInfo[] = [
  { code: 0x08, name: 'uint8', bytes: 1 },
  { code: 0x09, name: 'int8', bytes: 1 },
  { code: 0x0b, name: 'int16', bytes: 2 },
  { code: 0x0c, name: 'int32', bytes: 4 },
  { code: 0x0d, name: 'float32', bytes: 4 },
  { code: 0x0e, name: 'float64', bytes: 8 },
];

/** Largest label we accept; a bigger one means the file is not a label file. */
const MAX_LABEL = 65535;

export { isGzip };

/**
 * Returns the bytes, gunzipped if they are gzip data: within the archive limit, and refused from the IDX header's
 * dims (the dataset limit) before the rest is inflated.
 */
export function maybeGunzip(bytes: Uint8Array, name = 'file'): Uint8Array {
  return isGzip(bytes) ? gunzipWithin(bytes, name, { inspectHead: (head) => checkIdxHeader(head, name) }) : bytes;
}

/** The dataset limit from the header alone (a head too short to hold one is left to the full parse). */
function checkIdxHeader(head: Uint8Array, name: string): void {
  if (head.length < 4 || head.length < 4 + 4 * head[3]) return;
  const { dims } = parseHeader(head, name);
  if (dims.length > 1) checkDatasetSize(dims[0], dims.slice(1).reduce((a, b) => a * b, 1), name);
}

/** Parses an IDX file (gzipped or not). `name` is used in error messages. */
export function parseIdx(bytes: Uint8Array, name = 'IDX file'): IdxArray {
  const raw = maybeGunzip(bytes, name);
  const { dtype, dims, headerBytes } = parseHeader(raw, name);
  const count = dims.reduce((a, b) => a * b, 1);
  if (dims.length > 1) checkDatasetSize(dims[0], dims.slice(1).reduce((a, b) => a * b, 1), name);
  const expected = headerBytes + count * dtype.bytes;
  if (raw.length < expected) {
    throw new UserError(
      `${name} is truncated: its header declares dims [${dims.join(', ')}] of ${dtype.name}, ` +
        `which needs ${expected} bytes, but it has ${raw.length}. Download the file again.`,
    );
  }
  if (raw.length > expected) {
    throw new UserError(
      `${name} has ${raw.length} bytes but its header (dims [${dims.join(', ')}] of ${dtype.name}) ` +
        `declares ${expected}. It is not a valid IDX file.`,
    );
  }
  const data = readValues(raw, headerBytes, count, dtype);
  const bad = dtype.name.startsWith('float') ? data.findIndex((value: number) => !Number.isFinite(value)) : -1;
  if (bad >= 0) {
    const perItem = count / Math.max(1, dims[0]);
    throw new UserError(
      `${name} holds a value that is not a number (${data[bad]}) in item ${Math.floor(bad / perItem)} of ${dims[0]}: ` +
        'a model cannot train or be measured on it. Remove that item or write its value again.',
    );
  }
  return { dims, dtype: dtype.name, data };
}

function parseHeader(raw: Uint8Array, name: string): { dtype: DtypeInfo; dims: number[]; headerBytes: number } {
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new UserError(
      `${name} is not an IDX file: it should start with the bytes 00 00 (then a type and a dims count), ` +
        `but starts with ${hexPrefix(raw)}. Use files such as train-images-idx3-ubyte(.gz).`,
    );
  }
  const dtype = DTYPES.find((d) => d.code === raw[2]);
  if (!dtype) {
    throw new UserError(
      `${name} has IDX type byte 0x${raw[2].toString(16).padStart(2, '0')}, which is not one of ` +
        '0x08 (uint8), 0x09 (int8), 0x0B (int16), 0x0C (int32), 0x0D (float32), 0x0E (float64).',
    );
  }
  const ndims = raw[3];
  if (ndims === 0) throw new UserError(`${name} declares 0 dimensions; an IDX file needs at least one.`);
  const headerBytes = 4 + 4 * ndims;
  if (raw.length < headerBytes) {
    throw new UserError(`${name} is truncated inside its header: it needs ${headerBytes} bytes, but has ${raw.length}.`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  return { dtype, dims, headerBytes };
}

function readValues(raw: Uint8Array, offset: number, count: number, dtype: DtypeInfo): IdxData {
  if (dtype.name === 'uint8') return raw.slice(offset, offset + count);
  // `raw` may be a Node Buffer, whose `.buffer` is a shared pool: copy through the view's own offset.
  if (dtype.name === 'int8') return new Int8Array(raw.buffer, raw.byteOffset + offset, count).slice();
  const view = new DataView(raw.buffer, raw.byteOffset + offset, count * dtype.bytes);
  const out = allocate(dtype.name, count);
  const read = bigEndianReader(view, dtype.name);
  for (let i = 0; i < count; i++) out[i] = read(i * dtype.bytes);
  return out;
}

function allocate(dtype: IdxDtype, count: number): IdxData {
  switch (dtype) {
    case 'uint8': return new Uint8Array(count);
    case 'int8': return new Int8Array(count);
    case 'int16': return new Int16Array(count);
    case 'int32': return new Int32Array(count);
    case 'float32': return new Float32Array(count);
    case 'float64': return new Float64Array(count);
  }
}

function bigEndianReader(view: DataView, dtype: IdxDtype): (byteOffset: number) => number {
  switch (dtype) {
    case 'uint8': return (o) => view.getUint8(o);
    case 'int8': return (o) => view.getInt8(o);
    case 'int16': return (o) => view.getInt16(o, false);
    case 'int32': return (o) => view.getInt32(o, false);
    case 'float32': return (o) => view.getFloat32(o, false);
    case 'float64': return (o) => view.getFloat64(o, false);
  }
}

function hexPrefix(raw: Uint8Array): string {
  if (raw.length === 0) return 'nothing (the file is empty)';
  return Array.from(raw.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Writes an IDX file (not gzipped); the inverse of parseIdx. */
export function encodeIdx(dims: number[], data: ArrayLike<number>, dtype: IdxDtype = 'uint8'): Uint8Array {
  const info = DTYPES.find((d) => d.name === dtype)!;
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeIdx: dims [${dims.join(', ')}] need ${count} values, got ${data.length}`);
  const headerBytes = 4 + 4 * dims.length;
  const out = new Uint8Array(headerBytes + count * info.bytes);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const write = bigEndianWriter(view, dtype);
  for (let i = 0; i < count; i++) write(headerBytes + i * info.bytes, data[i]);
  return out;
}

function bigEndianWriter(view: DataView, dtype: IdxDtype): (byteOffset: number, v: number) => void {
  switch (dtype) {
    case 'uint8': return (o, v) => view.setUint8(o, v);
    case 'int8': return (o, v) => view.setInt8(o, v);
    case 'int16': return (o, v) => view.setInt16(o, v, false);
    case 'int32': return (o, v) => view.setInt32(o, v, false);
    case 'float32': return (o, v) => view.setFloat32(o, v, false);
    case 'float64': return (o, v) => view.setFloat64(o, v, false);
  }
}

export interface IdxDatasetOptions {
  scaling?: InputScaling;
  /** Where the data came from, for reports. */
  source?: string;
  /** Names per class index; when longer than max label + 1 it sets numClasses. */
  classNames?: string[];
  /** Names of the two files, for error messages. */
  imagesName?: string;
  labelsName?: string;
}

/**
 * Builds a dataset from an IDX image file (dims [N,H,W] or [N,H,W,C], pixel
 * values on a 0..255 scale) and an IDX label file (dims [N] or [N,1]).
 */
export function datasetFromIdx(
  imagesBytes: Uint8Array,
  labelsBytes: Uint8Array,
  options: IdxDatasetOptions = {},
): ImageDataset {
  const imagesName = options.imagesName ?? 'The images file';
  const labelsName = options.labelsName ?? 'The labels file';
  const images = parseIdx(imagesBytes, imagesName);
  const labelArray = parseIdx(labelsBytes, labelsName);
  const [count, height, width, channels] = imageDims(images.dims, imagesName);
  const labels = labelValues(labelArray, labelsName);
  if (labels.length !== count) {
    throw new UserError(
      `${imagesName} holds ${count} images but ${labelsName} holds ${labels.length} labels. ` +
        'Use an images file and a labels file from the same set (e.g. both train-* or both t10k-*).',
    );
  }
  const numClasses = countClasses(labels, options.classNames, labelsName);
  return {
    images: scalePixels(images.data, channels, options.scaling ?? DEFAULT_SCALING),
    labels,
    count,
    height,
    width,
    channels,
    numClasses,
    classNames: options.classNames ? [...options.classNames] : defaultClassNames(numClasses),
    source: options.source ?? 'IDX files',
  };
}

function imageDims(dims: number[], name: string): [number, number, number, number] {
  if (dims.length !== 3 && dims.length !== 4) {
    throw new UserError(
      `${name} has dims [${dims.join(', ')}]; images need 3 dims [N, height, width] or 4 [N, height, width, channels]. ` +
        'Did you swap the images and labels files?',
    );
  }
  const [n, h, w, c = 1] = dims;
  if (n === 0) throw new UserError(`${name} holds no images (N = 0). Use a file with at least one image.`);
  if (h === 0 || w === 0 || c === 0) {
    throw new UserError(`${name} has dims [${dims.join(', ')}]; height, width and channels must all be at least 1.`);
  }
  return [n, h, w, c];
}

function labelValues(arr: IdxArray, name: string): Int32Array {
  const ok = arr.dims.length === 1 || (arr.dims.length === 2 && arr.dims[1] === 1);
  if (!ok) {
    throw new UserError(
      `${name} has dims [${arr.dims.join(', ')}]; labels need 1 dim [N]. Did you swap the images and labels files?`,
    );
  }
  if (arr.dims[0] === 0) throw new UserError(`${name} holds no labels (N = 0). Use a file with at least one label.`);
  const labels = new Int32Array(arr.data.length);
  for (let i = 0; i < arr.data.length; i++) {
    const v = arr.data[i];
    if (!Number.isInteger(v) || v < 0 || v > MAX_LABEL) {
      throw new UserError(
        `${name} has label ${v} at position ${i}; labels must be whole numbers from 0 to ${MAX_LABEL} (class indices).`,
      );
    }
    labels[i] = v;
  }
  return labels;
}

function countClasses(labels: Int32Array, classNames: string[] | undefined, name: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  checkLabelGaps(counts, labels.length, name);
  const max = Math.max(0, ...counts.keys());
  const fromLabels = max + 1;
  if (!classNames) return fromLabels;
  if (classNames.length < fromLabels) {
    throw new UserError(
      `${name} has label ${max} but only ${classNames.length} class names were given. ` +
        `Give at least ${fromLabels} names.`,
    );
  }
  return classNames.length;
}

/** A label held by at most this share of the images, far above the rest, reads as corruption rather than a class. */
const STRAY_LABEL_SHARE = 0.01;

/**
 * Refuses labels far above the labels most images hold, held by a handful of images (a 200 among 0–9): they would
 * make the model predict 201 classes, and a 10-class model would be refused for them. Gaps between labels that many
 * images hold are kept: sparse class ids the user means (0, 2, 4…) still train, with unused outputs.
 */
function checkLabelGaps(counts: Map<number, number>, total: number, name: string): void {
  const rare = Math.max(1, STRAY_LABEL_SHARE * total);
  const common = [...counts.keys()].filter((value) => counts.get(value)! > rare);
  if (common.length === 0) return;
  const top = Math.max(...common);
  const stray = [...counts.keys()].filter((value) => value > 2 * (top + 1) && value - top > common.length).sort((a, b) => a - b);
  if (stray.length === 0) return;
  const held = stray.reduce((sum, value) => sum + counts.get(value)!, 0);
  throw new UserError(
    `${name} has label${stray.length === 1 ? '' : 's'} ${stray.slice(0, 5).join(', ')} on ${held} image${held === 1 ? '' : 's'}, while the ` +
      `labels most images hold run ${Math.min(...common)}–${top}: ${stray.length === 1 ? 'it looks' : 'they look'} like corrupted labels, and would make a ` +
      `model of ${Math.max(...stray) + 1} classes. Fix or remove those images, or relabel them within the range of the others.`,
  );
}

export function defaultClassNames(numClasses: number): string[] {
  return Array.from({ length: numClasses }, (_, i) => String(i));
}
