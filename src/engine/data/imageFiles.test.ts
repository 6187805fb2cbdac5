import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { zipSync } from 'fflate';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../core/abort';
import { datasetFromIdx, encodeIdx } from './idx';
import { datasetFromImageFiles, MAX_DEFAULT_SIDE } from './imageFiles';
import { decodeImageNode } from './node/decodeImage';
import { loadImageFolder } from './node/readImageFolder';
import { resizeBilinear, resizeDataset } from './resize';

function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Uint8Array {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) image.data.set([...pixel(x, y), 255], (y * width + x) * 4);
  return new Uint8Array(PNG.sync.write(image));
}

const gray = (value: number) => (): [number, number, number] => [value, value, value];

describe('image folders', () => {
  it('reads PNG and JPEG, gray and RGB, of mixed sizes, into one size and one channel count', async () => {
    const jpg = new Uint8Array(jpeg.encode({ data: new Uint8Array(8 * 8 * 4).fill(200), width: 8, height: 8 }, 100).data);
    const files = [
      { path: 'cat/a.png', bytes: png(4, 4, gray(255)) },
      { path: 'cat/b.png', bytes: png(4, 4, () => [255, 0, 0]) },
      { path: 'dog/c.jpg', bytes: jpg },
      { path: 'dog/.DS_Store', bytes: new Uint8Array([1, 2]) },
    ];
    const { dataset: data, notes } = await datasetFromImageFiles(files, decodeImageNode, { scaling: { mean: [0.5], std: [0.5] } });
    expect([data.count, data.height, data.width, data.channels, data.numClasses]).toEqual([3, 4, 4, 3, 2]);
    expect(data.classNames).toEqual(['cat', 'dog']);
    expect(data.source).toBe('the image folder (2 class folders)');
    expect(notes).toEqual(['Images are used at 4×4×3 (RGB).']);
    expect(Array.from(data.labels)).toEqual([0, 0, 1]);
    // White → 1 after (x/255 − 0.5)/0.5; pure red → [1, −1, −1].
    expect(data.images[0]).toBeCloseTo(1);
    expect(Array.from(data.images.slice(48, 51)).map((v) => Math.round(v))).toEqual([1, -1, -1]);
    const grayOnly = await datasetFromImageFiles(files.slice(0, 1).concat({ path: 'dog/d.png', bytes: png(2, 2, gray(0)) }), decodeImageNode, { height: 3, width: 3 });
    expect([grayOnly.dataset.channels, grayOnly.dataset.height, grayOnly.notes]).toEqual([1, 3, []]);
  });

  it('takes the class folders right below the folder all images share, subfolders included', async () => {
    const files = [
      { path: 'pets/', bytes: new Uint8Array() },
      { path: 'pets/cat/1.png', bytes: png(2, 2, gray(10)) },
      { path: 'pets/cat/kittens/2.png', bytes: png(2, 2, gray(20)) },
      { path: 'pets/dog/1.png', bytes: png(2, 2, gray(30)) },
    ];
    const { dataset } = await datasetFromImageFiles(files, decodeImageNode);
    expect(dataset).toMatchObject({ count: 3, classNames: ['cat', 'dog'], source: 'pets (2 class folders)' });
    expect(Array.from(dataset.labels)).toEqual([0, 0, 1]);
    await expect(datasetFromImageFiles([...files, { path: 'pets/cover.png', bytes: png(2, 2, gray(0)) }], decodeImageNode))
      .rejects.toThrow("pets/cover.png in pets is not inside a class folder; put each image in a folder named after its class.");
  });

  it('skips, with notes, what it cannot read when asked to (the studio)', async () => {
    const files = [
      { path: 'set/a/1.png', bytes: png(2, 2, gray(10)) },
      { path: 'set/a/readme.txt', bytes: new TextEncoder().encode('hello') },
      { path: 'set/b/1.png', bytes: png(2, 2, gray(90)) },
      { path: 'set/b/broken.png', bytes: png(2, 2, gray(90)).slice(0, 30) },
      { path: 'set/cover.png', bytes: png(2, 2, gray(0)) },
    ];
    const { dataset, notes } = await datasetFromImageFiles(files, decodeImageNode, { skipBadFiles: true });
    expect(dataset).toMatchObject({ count: 2, classNames: ['a', 'b'] });
    expect(notes).toEqual([
      'Skipped 1 file(s) that are not images: readme.txt.',
      'Skipped 1 image(s) outside the class folders.',
      'Skipped 1 image(s) that could not be decoded: broken.png.',
      'Images are used at 2×2×1 (grayscale).',
    ]);
    await expect(datasetFromImageFiles(files.slice(0, 4), decodeImageNode)).rejects.toThrow(/set\/a\/readme.txt in set is not a PNG or JPEG image/);
    const onlyBroken = [files[0], files[3]];
    await expect(datasetFromImageFiles(onlyBroken, decodeImageNode, { skipBadFiles: true })).rejects.toThrow("No image of the class folder 'b' in set could be decoded");
    const onlyText = [files[0], { path: 'set/c/notes.txt', bytes: new Uint8Array(1) }, files[2]];
    await expect(datasetFromImageFiles(onlyText, decodeImageNode, { skipBadFiles: true })).rejects.toThrow("Class folder 'c' in set holds no images");
  });

  it('shrinks images to a longest side, then uses the most common size', async () => {
    const files = [
      { path: 'a/1.png', bytes: png(100, 50, gray(40)) },
      { path: 'a/2.png', bytes: png(30, 30, gray(40)) },
      { path: 'b/1.png', bytes: png(128, 64, gray(40)) },
    ];
    const { dataset, notes } = await datasetFromImageFiles(files, decodeImageNode, { maxSide: MAX_DEFAULT_SIDE });
    expect([dataset.height, dataset.width, dataset.channels]).toEqual([32, 64, 1]);
    expect(notes).toEqual(['Images are used at 32×64×1 (grayscale).']);
    expect([dataset.images[32 * 64 + 100], dataset.images[3 * 32 * 64 - 1]].map((v) => v * 255)).toEqual([expect.closeTo(40), expect.closeTo(40)]);
    const { dataset: given } = await datasetFromImageFiles(files, decodeImageNode, { maxSide: 8, height: 5, width: 6, channels: 3 });
    expect([given.height, given.width, given.channels, given.images.length]).toEqual([5, 6, 3, 3 * 5 * 6 * 3]);
  });

  it('stops when cancelled, and refuses a channel count images cannot give', async () => {
    const files = [{ path: 'a/1.png', bytes: png(2, 2, gray(1)) }, { path: 'b/1.png', bytes: png(2, 2, gray(2)) }];
    const controller = new AbortController();
    controller.abort();
    await expect(datasetFromImageFiles(files, decodeImageNode, { signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
    await expect(datasetFromImageFiles(files, decodeImageNode, { channels: 4 })).rejects.toThrow('Images can be read as 1 (gray) or 3 (RGB) channels, not 4.');
  });

  it('reads a folder and a zip from disk the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gfr-images-'));
    const entries: Record<string, Uint8Array> = { 'a/1.png': png(3, 3, gray(10)), 'b/1.png': png(5, 5, gray(90)), 'b/2.png': png(3, 3, gray(90)) };
    for (const [path, bytes] of Object.entries(entries)) {
      mkdirSync(join(dir, 'set', path, '..'), { recursive: true });
      writeFileSync(join(dir, 'set', path), bytes);
    }
    writeFileSync(join(dir, 'set.zip'), zipSync(entries));
    const fromFolder = await loadImageFolder(join(dir, 'set'), { height: 2, width: 2, channels: 1 });
    const fromZip = await loadImageFolder(join(dir, 'set.zip'), { height: 2, width: 2, channels: 1 });
    expect(Array.from(fromZip.images)).toEqual(Array.from(fromFolder.images));
    expect(fromFolder.count).toBe(3);
  });
});

describe('resizing', () => {
  it('averages like tf.image.resizeBilinear with half-pixel centers', () => {
    expect(Array.from(resizeBilinear([0, 2, 4, 6], 2, 2, 1, 1, 1))).toEqual([3]);
    expect(Array.from(resizeBilinear([0, 4], 1, 2, 1, 1, 4))).toEqual([0, 1, 3, 4]);
  });

  it('resizes a dataset read from a 4-D IDX file ([N, H, W, C])', () => {
    const images = encodeIdx([2, 2, 2, 3], Uint8Array.from({ length: 24 }, (_, i) => i * 10));
    const data = datasetFromIdx(images, encodeIdx([2], [0, 1]));
    expect([data.count, data.height, data.width, data.channels]).toEqual([2, 2, 2, 3]);
    const resized = resizeDataset(data, 4, 4);
    expect(resized.images.length).toBe(2 * 4 * 4 * 3);
    expect(resized.images[0]).toBeCloseTo(0);
    expect(resized.source).toMatch(/resized to 4×4/);
  });
});
