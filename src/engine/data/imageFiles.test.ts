import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { zipSync } from 'fflate';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetFromIdx, encodeIdx } from './idx';
import { datasetFromImageFiles } from './imageFiles';
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
    const data = await datasetFromImageFiles(files, decodeImageNode, { scaling: { mean: [0.5], std: [0.5] } });
    expect([data.count, data.height, data.width, data.channels, data.numClasses]).toEqual([3, 4, 4, 3, 2]);
    expect(data.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(data.labels)).toEqual([0, 0, 1]);
    // White → 1 after (x/255 − 0.5)/0.5; pure red → [1, −1, −1].
    expect(data.images[0]).toBeCloseTo(1);
    expect(Array.from(data.images.slice(48, 51)).map((v) => Math.round(v))).toEqual([1, -1, -1]);
    const grayOnly = await datasetFromImageFiles(files.slice(0, 1).concat({ path: 'dog/d.png', bytes: png(2, 2, gray(0)) }), decodeImageNode, { height: 3, width: 3 });
    expect([grayOnly.channels, grayOnly.height]).toEqual([1, 3]);
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
