/**
 * A dataset from image files organised one folder per class (`cat/1.png`,
 * `dog/7.jpg`), PNG or JPEG, RGB or grayscale, of mixed sizes. Pure: the
 * caller brings the decoder (Node: ./node/decodeImage.ts; the studio's worker:
 * the browser's own). Every image is converted to the target channels,
 * resized to the target size, then scaled.
 */
import { UserError } from '../core/errors';
import { DEFAULT_SCALING, type ImageDataset, type InputScaling } from '../core/types';
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

export type ImageDecoder = (bytes: Uint8Array, name: string) => DecodedImage | Promise<DecodedImage>;

/** Most images read, and largest single image: keep a dropped folder within a tab's memory. */
export const MAX_IMAGES = 200_000;
export const MAX_IMAGE_PIXELS = 40_000_000;

export interface ImageFolderOptions {
  /** Target size; by default the most common size among the images. */
  height?: number;
  width?: number;
  /** 1 or 3; by default 1 when every image is gray, else 3. */
  channels?: number;
  scaling?: InputScaling;
  /** Where the files came from, for reports and messages. */
  source?: string;
}

export function imageKind(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Dotfiles, `__MACOSX/`, `Thumbs.db`: what file managers add, never data. */
export function isClutter(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX') || /(^|\/)(Thumbs\.db|desktop\.ini)$/i.test(path);
}

const parentOf = (path: string): string => path.split('/').slice(0, -1).join('/');
const lastPart = (path: string): string => path.split('/').filter(Boolean).pop() ?? path;

/** Files by class name (the folder holding them), checking there are images and nothing else. */
export function groupByClass(files: ImageFile[], where: string): Map<string, ImageFile[]> {
  const useful = files.filter((file) => !isClutter(file.path));
  const images = useful.filter((file) => !file.path.endsWith('/'));
  if (images.length === 0) throw new UserError(`${where} holds no images: give one folder per class, each with PNG or JPEG images.`);
  if (images.length > MAX_IMAGES) throw new UserError(`${where} holds ${images.length} files; at most ${MAX_IMAGES} images are read.`);
  const classes = new Map<string, ImageFile[]>();
  for (const file of images) {
    if (!imageKind(file.bytes)) {
      throw new UserError(`${file.path} in ${where} is not a PNG or JPEG image; keep only images in the class folders.`);
    }
    const folder = parentOf(file.path);
    if (!folder) throw new UserError(`${file.path} in ${where} is not inside a class folder; put each image in a folder named after its class.`);
    classes.set(folder, [...(classes.get(folder) ?? []), file]);
  }
  // Folders without images of their own, and not holding class folders: empty classes.
  for (const folder of useful.filter((file) => file.path.endsWith('/')).map((file) => file.path.slice(0, -1))) {
    const holdsClasses = [...classes.keys()].some((name) => name.startsWith(`${folder}/`));
    if (!classes.has(folder) && !holdsClasses) throw new UserError(`Class folder '${lastPart(folder)}' in ${where} holds no images; add images or remove the folder.`);
  }
  const byName = new Map<string, ImageFile[]>();
  for (const [folder, list] of classes) {
    const name = lastPart(folder);
    if (byName.has(name)) throw new UserError(`Two class folders in ${where} are named '${name}'; class names must be unique.`);
    byName.set(name, list);
  }
  if (byName.size < 2) throw new UserError(`${where} has only one class ('${[...byName.keys()][0]}'); a classifier needs at least two class folders.`);
  return new Map([...byName].sort(([a], [b]) => a.localeCompare(b)));
}

export async function datasetFromImageFiles(files: ImageFile[], decode: ImageDecoder, options: ImageFolderOptions = {}): Promise<ImageDataset> {
  const where = options.source ?? 'the image folder';
  const classes = groupByClass(files, where);
  const decoded: { image: DecodedImage; label: number }[] = [];
  let label = 0;
  for (const list of classes.values()) {
    for (const file of list) {
      const image = await decode(file.bytes, file.path);
      if (image.width * image.height > MAX_IMAGE_PIXELS) {
        throw new UserError(`${file.path} is ${image.width}×${image.height} pixels; images of at most ${MAX_IMAGE_PIXELS} pixels are read.`);
      }
      decoded.push({ image, label });
    }
    label++;
  }
  const [height, width] = options.height && options.width ? [options.height, options.width] : commonSize(decoded.map((d) => d.image));
  const channels = options.channels ?? (decoded.every((d) => isGray(d.image)) ? 1 : 3);
  if (channels !== 1 && channels !== 3) throw new UserError(`Images can be read as 1 (gray) or 3 (RGB) channels, not ${channels}.`);
  const size = height * width * channels;
  const raw = new Float32Array(decoded.length * size);
  decoded.forEach(({ image }, index) => {
    raw.set(resizeBilinear(toChannels(image, channels), image.height, image.width, channels, height, width), index * size);
  });
  return {
    images: scalePixels(raw, channels, options.scaling ?? DEFAULT_SCALING),
    labels: Int32Array.from(decoded, (d) => d.label),
    count: decoded.length,
    height,
    width,
    channels,
    numClasses: classes.size,
    classNames: [...classes.keys()],
    source: where,
  };
}

/** The most common height×width (ties: the first seen). */
function commonSize(images: DecodedImage[]): [number, number] {
  const counts = new Map<string, number>();
  for (const image of images) counts.set(`${image.height}x${image.width}`, (counts.get(`${image.height}x${image.width}`) ?? 0) + 1);
  const [best] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a));
  return best.split('x').map(Number) as [number, number];
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
