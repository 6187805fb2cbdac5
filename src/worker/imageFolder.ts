/**
 * A dataset from images organised one folder per class (`cats/1.png`,
 * `dogs/7.jpg`...): decoded, resized to one size and converted to grayscale
 * or RGB, to match the model's input when there is one.
 */
import { throwIfAborted } from '../engine/core/abort';
import { UserError } from '../engine/core/errors';
import type { ImageDataset } from '../engine/core/types';
import { scalePixels } from '../engine/data/scaling';
import { baseName, type FileEntry } from './archive';

export interface DecodedImage {
  width: number;
  height: number;
  /** width·height·4 bytes. */
  rgba: Uint8ClampedArray;
}

/** Decodes an image, resized to `size` when given (its own size otherwise). */
export type ImageDecoder = (bytes: Uint8Array, size?: { width: number; height: number }) => Promise<DecodedImage>;

export interface ImageFolderOptions {
  decode: ImageDecoder;
  /** [height, width, channels] to produce; without it, the first image's size (capped) and gray or RGB as found. */
  shape?: [number, number, number];
}

export interface ImageFolderResult {
  dataset: ImageDataset;
  /** What was skipped or changed, for the page. */
  notes: string[];
}

const IMAGE_RE = /\.(png|jpe?g|webp|gif|bmp)$/i;
/** Longest side when no model sets the size: larger images train slowly in a browser. */
export const MAX_DEFAULT_SIDE = 64;

export const isImagePath = (path: string): boolean => IMAGE_RE.test(path);

/** The browser's decoder (worker-safe): createImageBitmap, then an OffscreenCanvas to resize and read pixels. */
export const browserDecoder: ImageDecoder = async (bytes, size) => {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  try {
    const width = size?.width ?? bitmap.width;
    const height = size?.height ?? bitmap.height;
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas context in this browser');
    context.drawImage(bitmap, 0, 0, width, height);
    return { width, height, rgba: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
};

interface ClassFile {
  path: string;
  bytes: Uint8Array;
  className: string;
}

/** Class folders: the first folder below the folder all images share. */
function classFiles(entries: FileEntry[]): { files: ClassFile[]; classNames: string[]; outside: number } {
  const images = entries.filter((entry) => isImagePath(entry.path));
  if (images.length === 0) throw new UserError('No images found (PNG, JPEG, WebP, GIF or BMP). Drop a folder or zip with one subfolder of images per class, or IDX files.');
  const dirs = images.map((entry) => entry.path.split('/').slice(0, -1));
  let depth = 0;
  while (dirs.every((dir) => dir.length > depth + 1 && dir[depth] === dirs[0][depth])) depth++;
  const root = dirs[0].slice(0, depth).join('/');
  const classOf = (path: string): string | null => {
    const parts = path.split('/');
    if (depth > 0 && parts.slice(0, depth).join('/') !== root) return null;
    return parts.length > depth + 1 ? parts[depth] : null;
  };
  const classNames = [...new Set(entries.map((entry) => classOf(entry.path)).filter((name): name is string => name !== null && name !== ''))]
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const files: ClassFile[] = [];
  let outside = 0;
  for (const entry of images) {
    const className = classOf(entry.path);
    if (className === null) outside++;
    else files.push({ path: entry.path, bytes: entry.bytes, className });
  }
  if (classNames.length < 2) {
    throw new UserError(`Found ${classNames.length === 1 ? `one class folder ('${classNames[0]}')` : 'no class folders'}: organise the images one subfolder per class, with at least two classes.`);
  }
  for (const name of classNames) {
    if (!files.some((file) => file.className === name)) throw new UserError(`The class folder '${name}' holds no images; add images to it or remove it.`);
  }
  return { files, classNames, outside };
}

function targetSize(first: DecodedImage): { width: number; height: number } {
  const scale = Math.min(1, MAX_DEFAULT_SIDE / Math.max(first.width, first.height));
  return { width: Math.max(1, Math.round(first.width * scale)), height: Math.max(1, Math.round(first.height * scale)) };
}

const isGray = (rgba: Uint8ClampedArray): boolean => {
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
  return true;
};

/** RGBA → 1 channel (luma, ITU-R BT.601) or 3 channels (alpha dropped). */
function toChannels(rgba: Uint8ClampedArray, channels: number, out: Uint8Array, offset: number): void {
  const pixels = rgba.length / 4;
  for (let p = 0; p < pixels; p++) {
    const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    if (channels === 1) out[offset + p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    else out.set([r, g, b], offset + 3 * p);
  }
}

export async function datasetFromImageFolder(entries: FileEntry[], options: ImageFolderOptions, signal?: AbortSignal): Promise<ImageFolderResult> {
  const { files, classNames, outside } = classFiles(entries);
  const notes: string[] = [];
  const others = entries.filter((entry) => !isImagePath(entry.path) && !entry.path.endsWith('/'));
  if (others.length) notes.push(`Skipped ${others.length} file(s) that are not images: ${others.slice(0, 3).map((e) => baseName(e.path)).join(', ')}${others.length > 3 ? '…' : ''}.`);
  if (outside) notes.push(`Skipped ${outside} image(s) outside the class folders.`);

  let size = options.shape ? { height: options.shape[0], width: options.shape[1] } : null;
  const decoded: { rgba: Uint8ClampedArray; label: number }[] = [];
  const failed: string[] = [];
  for (const file of files) {
    throwIfAborted(signal);
    try {
      let image = await options.decode(file.bytes, size ?? undefined);
      if (!size) {
        size = targetSize(image);
        if (size.width !== image.width || size.height !== image.height) image = await options.decode(file.bytes, size);
      }
      decoded.push({ rgba: image.rgba, label: classNames.indexOf(file.className) });
    } catch {
      failed.push(baseName(file.path));
    }
  }
  if (failed.length) notes.push(`Skipped ${failed.length} image(s) that could not be decoded: ${failed.slice(0, 3).join(', ')}${failed.length > 3 ? '…' : ''}.`);
  if (!size || decoded.length === 0) throw new UserError('None of the images could be decoded; use PNG or JPEG files.');
  for (const [label, name] of classNames.entries()) {
    if (!decoded.some((image) => image.label === label)) throw new UserError(`No image of the class folder '${name}' could be decoded; use PNG or JPEG files.`);
  }

  const channels = options.shape?.[2] ?? (decoded.every((image) => isGray(image.rgba)) ? 1 : 3);
  if (channels !== 1 && channels !== 3) throw new UserError(`The model expects ${channels} input channels; images give 1 (gray) or 3 (RGB).`);
  const per = size.width * size.height * channels;
  const pixels = new Uint8Array(decoded.length * per);
  decoded.forEach((image, i) => toChannels(image.rgba, channels, pixels, i * per));
  if (!options.shape) {
    notes.push(`Images are used at ${size.height}×${size.width}×${channels}${channels === 1 ? ' (grayscale)' : ' (RGB)'}.`);
  }
  const root = files[0].path.split('/').slice(0, -2).join('/');
  return {
    dataset: {
      images: scalePixels(pixels, channels),
      labels: Int32Array.from(decoded, (image) => image.label),
      count: decoded.length,
      height: size.height,
      width: size.width,
      channels,
      numClasses: classNames.length,
      classNames,
      source: `${root || 'images'} (${classNames.length} class folders)`,
    },
    notes,
  };
}
