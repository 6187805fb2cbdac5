import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { afterAll, describe, expect, test } from 'vitest';
import { UserError } from '../../core/errors';
import { encodeIdx } from '../idx';
import { classCounts } from '../split';
import { DEBIAN_FASHION_MNIST_DIR, loadIdxFolder, loadIdxTestFolder } from './readFolder';

const tmp = mkdtempSync(join(tmpdir(), 'gfr-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function folder(name: string, files: Record<string, Uint8Array>): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, file), bytes);
  return dir;
}

describe('loadIdxFolder', () => {
  test('loads train-* by default and t10k-* on request, gz or not', () => {
    const dir = folder('mixed', {
      'train-images-idx3-ubyte.gz': gzipSync(encodeIdx([3, 2, 2], new Uint8Array(12).fill(255))),
      'train-labels-idx1-ubyte.gz': gzipSync(encodeIdx([3], [0, 1, 2])),
      't10k-images-idx3-ubyte': encodeIdx([2, 2, 2], new Uint8Array(8)),
      't10k-labels-idx1-ubyte': encodeIdx([2], [1, 1]),
    });
    const train = loadIdxFolder(dir, { mean: [0.5], std: [0.5] });
    expect(train.count).toBe(3);
    expect(train.images[0]).toBe(1);
    expect(train.source).toBe(`${dir} (train-images-idx3-ubyte.gz)`);
    expect(train.classNames).toEqual(['0', '1', '2']);
    const t10k = loadIdxTestFolder(dir);
    expect(t10k.count).toBe(2);
    expect(t10k.images[0]).toBe(0);
  });

  test('clear errors for a missing folder, a file, or missing files', () => {
    expect(() => loadIdxFolder(join(tmp, 'nope'))).toThrow(/does not exist/);
    const dir = folder('only-images', { 'train-images-idx3-ubyte': encodeIdx([1, 1, 1], [0]) });
    expect(() => loadIdxFolder(dir)).toThrow(UserError);
    expect(() => loadIdxFolder(dir)).toThrow(/No IDX images\/labels pair/);
    expect(() => loadIdxFolder(join(dir, 'train-images-idx3-ubyte'))).toThrow(/is a file, not a folder/);
  });
});

const haveFashion = existsSync(join(DEBIAN_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
// CI (.ci/run sets CI) installs the dataset: there a missing one fails these tests instead of skipping them.
const inCi = !['', '0', 'false'].includes(process.env.CI ?? '');
if (!haveFashion && !inCi) {
  console.warn(`Skipping Fashion-MNIST tests: ${DEBIAN_FASHION_MNIST_DIR} is absent (install Debian's dataset-fashion-mnist).`);
}

describe.skipIf(!haveFashion && !inCi)(`Fashion-MNIST from ${DEBIAN_FASHION_MNIST_DIR} (skipped when absent, outside CI)`, () => {
  test('is installed', () => {
    expect(haveFashion, `${DEBIAN_FASHION_MNIST_DIR} is absent: install Debian's dataset-fashion-mnist (.ci/run does)`).toBe(true);
  });

  test('60,000 training images with the Fashion-MNIST class names', () => {
    const ds = loadIdxFolder(DEBIAN_FASHION_MNIST_DIR);
    expect([ds.count, ds.height, ds.width, ds.channels]).toEqual([60_000, 28, 28, 1]);
    expect(ds.numClasses).toBe(10);
    expect(ds.classNames[0]).toBe('T-shirt/top');
    expect(ds.classNames[9]).toBe('Ankle boot');
    expect(classCounts(ds)).toEqual(new Array(10).fill(6000));
    let max = 0;
    for (let i = 0; i < ds.images.length; i += 97) max = Math.max(max, ds.images[i]);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
  });

  test('10,000 test images', () => {
    const ds = loadIdxTestFolder(DEBIAN_FASHION_MNIST_DIR);
    expect(ds.count).toBe(10_000);
    expect(classCounts(ds)).toEqual(new Array(10).fill(1000));
  });
});
