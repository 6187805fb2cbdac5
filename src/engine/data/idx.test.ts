import { gzipSync } from 'fflate';
import { describe, expect, test } from 'vitest';
import { UserError } from '../core/errors';
import { datasetFromIdx, encodeIdx, isGzip, parseIdx, type IdxDtype } from './idx';

const N = 5;
const H = 3;
const W = 4;

function pixels(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256);
}

function expectUserError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(UserError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('parseIdx', () => {
  test.each(['float32', 'float64'] as const)('refuses a %s image with a pixel that is not a number, naming the image', (dtype) => {
    const pixels = Array.from({ length: 3 * 4 }, (_, i) => i / 12);
    pixels[6] = NaN;
    const bytes = encodeIdx([3, 2, 2], pixels, dtype);
    expect(() => parseIdx(bytes, 'images.idx')).toThrow(UserError);
    expect(() => parseIdx(bytes, 'images.idx')).toThrow(/images\.idx holds a value that is not a number \(NaN\) in item 1 of 3/);
    pixels[6] = Infinity;
    expect(() => parseIdx(encodeIdx([3, 2, 2], pixels, dtype))).toThrow(/not a number \(Infinity\) in item 1/);
  });

  test('reads the header and uint8 values', () => {
    const bytes = encodeIdx([2, 3], [1, 2, 3, 250, 251, 255]);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 0x08, 2]);
    expect(Array.from(bytes.subarray(4, 12))).toEqual([0, 0, 0, 2, 0, 0, 0, 3]); // big-endian dims
    const parsed = parseIdx(bytes);
    expect(parsed.dims).toEqual([2, 3]);
    expect(parsed.dtype).toBe('uint8');
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 250, 251, 255]);
  });

  test.each<[IdxDtype, number[]]>([
    ['int8', [-128, -1, 0, 127]],
    ['int16', [-32768, -2, 300, 32767]],
    ['int32', [-2147483648, -5, 70000, 2147483647]],
    ['float32', [-1.5, 0, 0.25, 1e6]],
    ['float64', [-1e-300, 0, Math.PI, 1e300]],
  ])('round-trips %s big-endian', (dtype, values) => {
    const parsed = parseIdx(encodeIdx([values.length], values, dtype));
    expect(parsed.dtype).toBe(dtype);
    expect(Array.from(parsed.data)).toEqual(values);
  });

  test('gunzips gzip input', () => {
    const raw = encodeIdx([4], [9, 8, 7, 6]);
    const gz = gzipSync(raw);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(raw)).toBe(false);
    expect(Array.from(parseIdx(gz).data)).toEqual([9, 8, 7, 6]);
  });

  test('rejects a bad magic number', () => {
    expectUserError(() => parseIdx(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0])), /not an IDX file.*89 50 4e 47/);
    expectUserError(() => parseIdx(new Uint8Array([])), /empty/);
    expectUserError(() => parseIdx(new Uint8Array([0, 0, 0x42, 1, 0, 0, 0, 1, 5])), /type byte 0x42/);
  });

  test('rejects truncated data, saying expected and actual bytes', () => {
    const bytes = encodeIdx([N, H, W], pixels(N * H * W));
    expectUserError(() => parseIdx(bytes.subarray(0, bytes.length - 7)), new RegExp(`needs ${bytes.length} bytes, but it has ${bytes.length - 7}`));
    expectUserError(() => parseIdx(bytes.subarray(0, 9)), /truncated inside its header/);
    // A cut gzip ends in bytes that are no trailer: refused by the size they claim, or as damaged.
    expectUserError(() => parseIdx(gzipSync(bytes).subarray(0, 20)), /could not be decompressed|if the file was cut short, download it again/);
  });

  test('rejects trailing bytes', () => {
    const bytes = encodeIdx([2], [1, 2]);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expectUserError(() => parseIdx(longer), /declares 10/);
  });
});

describe('datasetFromIdx', () => {
  const labels = [3, 0, 1, 3, 2];

  test.each([
    ['raw 3-D', [N, H, W], 1, false],
    ['gzipped 3-D', [N, H, W], 1, true],
    ['raw 4-D', [N, H, W, 3], 3, false],
    ['gzipped 4-D', [N, H, W, 3], 3, true],
  ] as const)('loads %s images', (_name, dims, channels, gz) => {
    const px = pixels(N * H * W * channels);
    let imagesBytes = encodeIdx([...dims], px);
    let labelsBytes = encodeIdx([N], labels);
    if (gz) {
      imagesBytes = gzipSync(imagesBytes);
      labelsBytes = gzipSync(labelsBytes);
    }
    const ds = datasetFromIdx(imagesBytes, labelsBytes, { source: 'test files' });
    expect([ds.count, ds.height, ds.width, ds.channels]).toEqual([N, H, W, channels]);
    expect(ds.numClasses).toBe(4);
    expect(ds.classNames).toEqual(['0', '1', '2', '3']);
    expect(Array.from(ds.labels)).toEqual(labels);
    expect(ds.source).toBe('test files');
    expect(ds.images.length).toBe(px.length);
    px.forEach((p, i) => expect(ds.images[i]).toBeCloseTo(p / 255, 6));
  });

  test('applies per-channel scaling', () => {
    const px = pixels(N * H * W * 3);
    const scaling = { mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2] };
    const ds = datasetFromIdx(encodeIdx([N, H, W, 3], px), encodeIdx([N], labels), { scaling });
    for (const i of [0, 1, 2, 31, 59]) {
      const c = i % 3;
      expect(ds.images[i]).toBeCloseTo((px[i] / 255 - scaling.mean[c]) / scaling.std[c], 5);
    }
  });

  test('class names may name more classes than the labels use', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const ds = datasetFromIdx(encodeIdx([N, H, W], pixels(N * H * W)), encodeIdx([N], labels), { classNames: names });
    expect(ds.numClasses).toBe(6);
    expect(ds.classNames).toEqual(names);
    expectUserError(
      () => datasetFromIdx(encodeIdx([N, H, W], pixels(N * H * W)), encodeIdx([N], labels), { classNames: ['a', 'b'] }),
      /label 3 but only 2 class names/,
    );
  });

  test('rejects image and label counts that disagree', () => {
    expectUserError(
      () => datasetFromIdx(encodeIdx([N, H, W], pixels(N * H * W)), encodeIdx([N - 1], labels.slice(1))),
      /holds 5 images but .* holds 4 labels/,
    );
  });

  test('rejects an empty dataset', () => {
    expectUserError(() => datasetFromIdx(encodeIdx([0, H, W], []), encodeIdx([0], [])), /no images/);
  });

  test('refuses a stray label far above the rest with its value and count; keeps sparse class ids many images hold', () => {
    const n = 300;
    const images = encodeIdx([n, 2, 2], pixels(n * 4));
    const tenClasses = Array.from({ length: n }, (_, i) => i % 10);
    expectUserError(
      () => datasetFromIdx(images, encodeIdx([n], tenClasses.map((label, i) => (i === 7 ? 200 : label)))),
      /label 200 on 1 image, while the labels most images hold run 0–9: it looks like corrupted labels?, and would make a model of 201 classes/,
    );
    expectUserError(
      () => datasetFromIdx(images, encodeIdx([n], tenClasses.map((label, i) => (i === 7 ? 200 : i === 8 ? 150 : label)))),
      /labels 150, 200 on 2 images/,
    );
    // Ids 0, 10, 20, 30 that many images hold: meant, and kept (31 outputs, most unused).
    const sparse = datasetFromIdx(images, encodeIdx([n], Array.from({ length: n }, (_, i) => (i % 4) * 10)));
    expect(sparse.numClasses).toBe(31);
    // 0–9 with one class held by a single image: a small class, not a stray one.
    expect(datasetFromIdx(images, encodeIdx([n], tenClasses.map((label, i) => (label === 9 && i !== 9 ? 8 : label)))).numClasses).toBe(10);
  });

  test('rejects labels that are not whole numbers >= 0', () => {
    const images = encodeIdx([2, H, W], pixels(2 * H * W));
    expectUserError(() => datasetFromIdx(images, encodeIdx([2], [1, -1], 'int8')), /label -1 at position 1/);
    expectUserError(() => datasetFromIdx(images, encodeIdx([2], [0.5, 1], 'float32')), /label 0.5 at position 0/);
  });

  test('rejects swapped or mis-shaped files', () => {
    const images = encodeIdx([N, H, W], pixels(N * H * W));
    const labelsBytes = encodeIdx([N], labels);
    expectUserError(() => datasetFromIdx(labelsBytes, images), /images need 3 dims/);
    expectUserError(() => datasetFromIdx(images, encodeIdx([N, 2], pixels(N * 2))), /labels need 1 dim/);
  });
});
