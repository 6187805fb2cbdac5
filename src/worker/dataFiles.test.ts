import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { datasetFromFiles } from './dataFiles';
import type { ImageDecoder } from '../engine/data/imageFiles';

/** Fake images: one byte, the gray level; decoded as a flat 8×8 square. */
const decode: ImageDecoder = async (bytes) => ({ width: 8, height: 8, rgba: new Uint8ClampedArray(8 * 8 * 4).fill(bytes[0]) });
const zipFile = (entries: Record<string, Uint8Array>) => {
  const bytes = zipSync(entries);
  return [{ name: 'pets.zip', path: 'pets.zip', bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer }];
};

describe('datasetFromFiles', () => {
  it('reads a zip of class folders, leaving out macOS metadata', async () => {
    const files = zipFile({
      'cat/1.png': new Uint8Array([10]),
      'cat/2.png': new Uint8Array([20]),
      'dog/1.jpg': new Uint8Array([200]),
      '__MACOSX/cat/._1.png': new Uint8Array([1, 2]),
      'dog/.DS_Store': new Uint8Array([0]),
    });
    const { dataset, notes, images } = await datasetFromFiles(files, { decode });
    expect(dataset).toMatchObject({ count: 3, height: 8, width: 8, channels: 1, classNames: ['cat', 'dog'], source: 'pets (2 class folders)' });
    expect(Array.from(dataset.labels)).toEqual([0, 0, 1]);
    expect(dataset.images[0]).toBeCloseTo(10 / 255);
    expect(notes).toEqual(['Images are used at 8×8×1 (grayscale).']);
    expect(images).toHaveLength(3);
  });

  it('names an empty class folder of a zip', async () => {
    const files = zipFile({ 'cat/1.png': new Uint8Array([1]), 'dog/1.png': new Uint8Array([2]), 'bird/': new Uint8Array(0) });
    await expect(datasetFromFiles(files, { decode })).rejects.toThrow(/Class folder 'bird' in pets holds no images/);
  });

  it('resizes to the model input shape when one is given', async () => {
    const files = zipFile({ 'a/1.png': new Uint8Array([1]), 'b/1.png': new Uint8Array([2]) });
    const { dataset } = await datasetFromFiles(files, { decode, shape: [5, 6, 3] });
    expect(dataset).toMatchObject({ height: 5, width: 6, channels: 3 });
    expect(dataset.images.length).toBe(2 * 5 * 6 * 3);
  });

  it('refuses files that are neither IDX nor images, and an empty drop', async () => {
    await expect(datasetFromFiles([], { decode })).rejects.toThrow(/No data files/);
    await expect(datasetFromFiles([{ name: 'a.csv', path: 'a.csv', bytes: new ArrayBuffer(1) }], { decode })).rejects.toThrow(/No IDX files or images among a.csv/);
    await expect(datasetFromFiles([{ name: 'bad.zip', path: 'bad.zip', bytes: new ArrayBuffer(9) }], { decode })).rejects.toThrow(/bad.zip is not a readable zip/);
  });
});
