/**
 * A dataset from image files organised one folder per class (`cat/1.png`,
 * `dog/7.jpg`), RGB or grayscale, of mixed sizes: the one reader behind the
 * CLI and the studio. Pure: the caller brings the decoder (Node:
 * ./node/decodeImage.ts; the studio's worker: the browser's own). Every image
 * is converted to the target channels, resized to the target size, then scaled.
 *
 * Class folders are the folders right below the folder all images share
 * (`pets/cat/1.png`, `pets/dog/7.jpg`: classes `cat` and `dog`); images in
 * subfolders of a class folder belong to it, as in Keras'
 * image_dataset_from_directory.
 */
import { throwIfAborted } from '../core/abort';
import { UserError } from '../core/errors';
import { checkDatasetSize, checkLimit, LIMITS } from '../core/limits';
import { DEFAULT_SCALING, type ImageDataset, type InputScaling } from '../core/types';
import { imageHeaderSize } from './imageHeader';
import { resizeBilinear } from './resize';
import { scalePixels } from './scaling';

export interface ImageFile {
  /** '/'-separated path; the folder holding the file names its class. A path ending in '/' is a folder. */
  path: string;
  bytes: Uint8Array;
}

/** Decoded pixels, RGBA, row-major. */
export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8Array | Uint8ClampedArray;
}

/** Decodes one image at its own size; `name` is for messages. */
export type ImageDecoder = (bytes: Uint8Array, name: string) => DecodedImage | Promise<DecodedImage>;

/** Most images read, and largest single image: keep a dropped folder within a tab's memory. */
export const MAX_IMAGES = 200_000;
export const MAX_IMAGE_PIXELS = LIMITS.imagePixels;
/** The studio's longest side when no model sets the size: larger images train slowly in a browser. */
export const MAX_DEFAULT_SIDE = 64;

export interface ImageFolderOptions {
  /** Target size; by default the most common size among the images (after `maxSide`). */
  height?: number;
  width?: number;
  /** 1 or 3; by default 1 when every image is gray, else 3. */
  channels?: number;
  scaling?: InputScaling;
  /** Where the files came from, for the dataset's source and messages; by default the folder all images share. */
  source?: string;
  /** Without a target size: images with a longer side are shrunk to it (aspect kept) before the common size is chosen. */
  maxSide?: number;
  /**
   * Skip, with a note, files that are not images, images outside the class
   * folders and images that cannot be decoded (the studio). By default each
   * is an error (the CLI).
   */
  skipBadFiles?: boolean;
  signal?: AbortSignal;
}

export interface ImageFolderResult {
  dataset: ImageDataset;
  /** What was skipped or chosen, for the user. */
  notes: string[];
}

const IMAGE_NAME = /\.(png|jpe?g|webp|gif|bmp)$/i;

/** A name browsers decode as an image (PNG, JPEG, WebP, GIF, BMP). */
export const isImagePath = (path: string): boolean => IMAGE_NAME.test(path);

export function imageKind(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Refuses an image of more than MAX_IMAGE_PIXELS pixels (decoders call it before allocating them). */
export function checkImagePixels(name: string, width: number, height: number): void {
  if (width * height > MAX_IMAGE_PIXELS) throw new UserError(`${name} is ${width}×${height} pixels; images of at most ${MAX_IMAGE_PIXELS} pixels are read.`);
}

/** Dotfiles, `__MACOSX/`, `Thumbs.db`: what file managers add, never data. */
export function isClutter(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX') || /(^|\/)(Thumbs\.db|desktop\.ini)$/i.test(path);
}

const isImageFile = (file: ImageFile): boolean => isImagePath(file.path) || imageKind(file.bytes) !== undefined;
const baseName = (path: string): string => path.split('/').pop() ?? path;
/** The first three names, then '…' when there are more. */
const listed = (paths: string[]): string => `${paths.slice(0, 3).map(baseName).join(', ')}${paths.length > 3 ? '…' : ''}`;

/**
 * The folder the class folders are in: the longest folder all images share,
 * or its parent when they all are in that one folder (then it is the only class).
 */
function classRoot(images: ImageFile[]): string[] {
  const dirs = images.map((file) => file.path.split('/').slice(0, -1));
  let depth = 0;
  while (dirs.every((dir) => dir.length > depth && dir[depth] === dirs[0][depth])) depth++;
  if (dirs.every((dir) => dir.length === depth)) depth = Math.max(0, depth - 1);
  return dirs[0].slice(0, depth);
}

export interface ClassFolders {
  /** Files by class name, sorted by name. */
  classes: Map<string, ImageFile[]>;
  /** The folder holding the class folders, or the given source: for messages. */
  where: string;
  notes: string[];
}

/** Image files by class, checking there are at least two classes, each with images. */
export function groupByClass(files: ImageFile[], options: Pick<ImageFolderOptions, 'source' | 'skipBadFiles'> = {}): ClassFolders {
  const useful = files.filter((file) => !isClutter(file.path));
  const plain = useful.filter((file) => !file.path.endsWith('/'));
  const images = plain.filter(isImageFile);
  const root = images.length ? classRoot(images) : [];
  const where = options.source ?? (root.join('/') || 'the image folder');
  if (images.length === 0) throw new UserError(`${where} holds no images: give one folder per class, each with PNG or JPEG images.`);
  if (images.length > MAX_IMAGES) throw new UserError(`${where} holds ${images.length} files; at most ${MAX_IMAGES} images are read.`);
  const notes: string[] = [];
  const others = plain.filter((file) => !isImageFile(file)).map((file) => file.path);
  if (others.length && !options.skipBadFiles) throw new UserError(`${others[0]} in ${where} is not a PNG or JPEG image; keep only images in the class folders.`);
  if (others.length) notes.push(`Skipped ${others.length} file(s) that are not images: ${listed(others)}.`);

  const classOf = (path: string): string | undefined => {
    const parts = path.split('/');
    const inRoot = root.every((part, i) => parts[i] === part);
    return inRoot && parts.length > root.length + 1 && parts[root.length] ? parts[root.length] : undefined;
  };
  const classes = new Map<string, ImageFile[]>();
  const outside: string[] = [];
  for (const file of images) {
    const name = classOf(file.path);
    if (name === undefined) outside.push(file.path);
    else if (classes.has(name)) classes.get(name)!.push(file);
    else classes.set(name, [file]);
  }
  if (outside.length && !options.skipBadFiles) {
    throw new UserError(`${outside[0]} in ${where} is not inside a class folder; put each image in a folder named after its class.`);
  }
  if (outside.length) notes.push(`Skipped ${outside.length} image(s) outside the class folders.`);
  // Folders (zip entries, or holding only other files) without images: empty classes.
  for (const file of useful) {
    const name = classOf(file.path);
    if (name !== undefined && !classes.has(name)) throw new UserError(`Class folder '${name}' in ${where} holds no images; add images or remove the folder.`);
  }
  if (classes.size < 2) {
    throw new UserError(classes.size === 1
      ? `${where} has only one class folder ('${[...classes.keys()][0]}'); a classifier needs at least two, one folder of images per class.`
      : `${where} has no class folders; put the images in one folder per class, at least two classes.`);
  }
  return { classes: new Map([...classes].sort(([a], [b]) => a.localeCompare(b))), where, notes };
}

export async function datasetFromImageFiles(files: ImageFile[], decode: ImageDecoder, options: ImageFolderOptions = {}): Promise<ImageFolderResult> {
  const { channels: wanted, maxSide, skipBadFiles, signal } = options;
  if (wanted !== undefined && wanted !== 1 && wanted !== 3) throw new UserError(`Images can be read as 1 (gray) or 3 (RGB) channels, not ${wanted}.`);
  const { classes, where, notes } = groupByClass(files, options);
  const target = options.height && options.width ? { height: options.height, width: options.width } : undefined;
  const count = [...classes.values()].reduce((sum, list) => sum + list.length, 0);
  if (target) checkDatasetSize(count, target.height * target.width * (wanted ?? 1), where);
  // Without a target size, the pixels kept so far (bytes of RGBA, as many as float32 gray values) are checked as they come.
  let keptPixels = 0;
  // Images are kept at the target size (or within maxSide) as soon as they are decoded, not at their own size.
  const decoded: { image: DecodedImage; label: number }[] = [];
  const failed: string[] = [];
  const tooLarge: string[] = [];
  let label = 0;
  for (const [name, list] of classes) {
    const before = decoded.length;
    for (const file of list) {
      throwIfAborted(signal);
      let image: DecodedImage;
      // From the header, before the decoder allocates anything; the studio skips such an image with its own note.
      const declared = imageHeaderSize(file.bytes);
      if (declared && declared.width * declared.height > MAX_IMAGE_PIXELS) {
        if (!skipBadFiles) checkImagePixels(file.path, declared.width, declared.height);
        tooLarge.push(file.path);
        continue;
      }
      try {
        image = await decode(file.bytes, file.path);
        checkImagePixels(file.path, image.width, image.height);
      } catch (error) {
        if (!skipBadFiles) throw error;
        failed.push(file.path);
        continue;
      }
      const kept = resized(image, target ?? (maxSide ? withinSide(image, maxSide) : image));
      keptPixels += kept.width * kept.height;
      if (!target) checkLimit('datasetBytes', keptPixels * 4, `The images of ${where} read so far take`, 'Use fewer images, or smaller ones.', true);
      decoded.push({ image: kept, label });
    }
    if (decoded.length === before) throw new UserError(`No image of the class folder '${name}' in ${where} could be decoded; use PNG or JPEG files.`);
    label++;
  }
  if (failed.length) notes.push(`Skipped ${failed.length} image(s) that could not be decoded: ${listed(failed)}.`);
  if (tooLarge.length) notes.push(`Skipped ${tooLarge.length} image(s) of more than ${MAX_IMAGE_PIXELS} pixels (read from their headers, not decoded): ${listed(tooLarge)}.`);

  const { height, width } = target ?? commonSize(decoded.map((d) => d.image));
  const channels = wanted ?? (decoded.every((d) => isGray(d.image)) ? 1 : 3);
  const size = height * width * channels;
  checkDatasetSize(decoded.length, size, where);
  const raw = new Float32Array(decoded.length * size);
  decoded.forEach(({ image }, index) => {
    raw.set(resizeBilinear(toChannels(image, channels), image.height, image.width, channels, height, width), index * size);
  });
  if (!target) notes.push(`Images are used at ${height}×${width}×${channels}${channels === 1 ? ' (grayscale)' : ' (RGB)'}.`);
  return {
    dataset: {
      images: scalePixels(raw, channels, options.scaling ?? DEFAULT_SCALING),
      labels: Int32Array.from(decoded, (d) => d.label),
      count: decoded.length,
      height,
      width,
      channels,
      numClasses: classes.size,
      classNames: [...classes.keys()],
      source: `${where} (${classes.size} class folders)`,
    },
    notes,
  };
}

interface Size {
  height: number;
  width: number;
}

/** The image's size shrunk so that its longer side is at most `maxSide`. */
function withinSide(image: Size, maxSide: number): Size {
  const scale = Math.min(1, maxSide / Math.max(image.width, image.height));
  return { height: Math.max(1, Math.round(image.height * scale)), width: Math.max(1, Math.round(image.width * scale)) };
}

/** The image at `size`, as bytes again (rounded) so that many images stay small. */
function resized(image: DecodedImage, size: Size): DecodedImage {
  if (image.height === size.height && image.width === size.width) return image;
  const rgba = new Uint8ClampedArray(resizeBilinear(image.rgba, image.height, image.width, 4, size.height, size.width));
  return { ...size, rgba };
}

/** The most common height×width (ties: the first seen). */
function commonSize(images: DecodedImage[]): Size {
  const counts = new Map<string, number>();
  for (const image of images) counts.set(`${image.height}x${image.width}`, (counts.get(`${image.height}x${image.width}`) ?? 0) + 1);
  const [best] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a));
  const [height, width] = best.split('x').map(Number);
  return { height, width };
}

function isGray(image: DecodedImage): boolean {
  const { rgba } = image;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
  return true;
}

/** RGBA → gray (ITU-R 601 luma) or RGB; alpha is dropped. */
function toChannels(image: DecodedImage, channels: number): Float32Array {
  const { rgba } = image;
  const pixels = image.width * image.height;
  const out = new Float32Array(pixels * channels);
  for (let p = 0; p < pixels; p++) {
    const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    if (channels === 1) out[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    else out.set([r, g, b], 3 * p);
  }
  return out;
}
