import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { datasetFromFiles } from './dataFiles';
import { groupByClass, type ImageDecoder } from '../engine/data/imageFiles';
import { zipClaiming } from '../engine/testing/hostileCorpus';

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

  it('caps what all the dropped archives expand to together, not each alone', async () => {
    // Each claims 600 MiB (stored entries: nothing of the claim is allocated); one alone is within the 1 GiB.
    const claiming = (name: string) => {
      const bytes = zipClaiming(600 * 1024 * 1024);
      return { name, path: name, bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer };
    };
    await expect(datasetFromFiles([claiming('a.zip')], { decode })).rejects.toThrow(/No IDX files or images/);
    await expect(datasetFromFiles([claiming('a.zip'), claiming('b.zip')], { decode }))
      .rejects.toThrow(/b\.zip expands to more than \d+ bytes, with the archives before it, more than the 1073741824 bytes all archives together may expand to/);
  });

  it('groups 50,000 images of 2 classes in linear time', async () => {
    const files = Array.from({ length: 50_000 }, (_, i) => ({ path: `set/${i % 2 ? 'cat' : 'dog'}/${i}.png`, bytes: new Uint8Array([i % 256]) }));
    const start = performance.now();
    const { classes } = groupByClass(files);
    // Copying the class's list per file took 61 s here; linear grouping is well under a second on an idle machine.
    expect(performance.now() - start).toBeLessThan(15_000);
    expect([...classes.values()].map((list) => list.length)).toEqual([25_000, 25_000]);
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
