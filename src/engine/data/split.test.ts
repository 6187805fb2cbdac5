import { describe, expect, test } from 'vitest';
import type { ImageDataset } from '../core/types';
import { UserError } from '../core/errors';
import { seededRandom as mulberry32, shuffledIndices } from '../core/random';
import { batchCount, batches, classCounts, splitDataset, subsetDataset } from './split';

/** Image i is 2x2x1 filled with the value i, so images identify themselves. */
function toyDataset(count: number, numClasses = 3): ImageDataset {
  const per = 4;
  const images = new Float32Array(count * per);
  for (let i = 0; i < count; i++) images.fill(i, i * per, (i + 1) * per);
  return {
    images,
    labels: Int32Array.from({ length: count }, (_, i) => i % numClasses),
    count,
    height: 2,
    width: 2,
    channels: 1,
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, i) => `c${i}`),
    source: 'toy',
  };
}

/** The image ids held by a dataset, checking each image is consistent with its label. */
function ids(ds: ImageDataset, numClasses = 3): number[] {
  return Array.from({ length: ds.count }, (_, k) => {
    const id = ds.images[k * 4];
    expect(ds.images[k * 4 + 3]).toBe(id);
    expect(ds.labels[k]).toBe(id % numClasses);
    return id;
  });
}

describe('mulberry32 and shuffledIndices', () => {
  test('same seed, same sequence; different seed, different sequence', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(sa);
    expect(Array.from({ length: 5 }, c)).not.toEqual(sa);
    sa.forEach((v) => expect(v >= 0 && v < 1).toBe(true));
  });

  test('a shuffle is a permutation that depends on the seed', () => {
    const p = shuffledIndices(100, 7);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(shuffledIndices(100, 7))).toEqual(Array.from(p));
    expect(Array.from(shuffledIndices(100, 8))).not.toEqual(Array.from(p));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('subsetDataset', () => {
  test('copies the chosen images in order', () => {
    const ds = toyDataset(10);
    const sub = subsetDataset(ds, [7, 2, 2]);
    expect(ids(sub)).toEqual([7, 2, 2]);
    expect(sub.count).toBe(3);
    expect(sub.images.buffer).not.toBe(ds.images.buffer);
    sub.images[0] = -1;
    expect(ds.images[28]).toBe(7);
  });

  test('rejects indices out of range', () => {
    expect(() => subsetDataset(toyDataset(3), [3])).toThrow(RangeError);
  });
});

describe('splitDataset', () => {
  test('disjoint parts that cover the data, deterministic per seed', () => {
    const ds = toyDataset(50);
    const a = splitDataset(ds, { valCount: 12, seed: 5 });
    const b = splitDataset(ds, { valCount: 12, seed: 5 });
    const c = splitDataset(ds, { valCount: 12, seed: 6 });
    const trainIds = ids(a.train);
    const valIds = ids(a.validation);
    expect(valIds.length).toBe(12);
    expect(trainIds.length).toBe(38);
    expect(new Set([...trainIds, ...valIds]).size).toBe(50);
    expect(ids(b.validation)).toEqual(valIds);
    expect(ids(b.train)).toEqual(trainIds);
    expect(ids(c.validation)).not.toEqual(valIds);
    expect(a.train.source).toBe('toy, train split');
    expect(a.validation.numClasses).toBe(3);
  });

  test('valFraction and trainCount', () => {
    const ds = toyDataset(40);
    const { train, validation } = splitDataset(ds, { valFraction: 0.25, trainCount: 10, seed: 1 });
    expect(validation.count).toBe(10);
    expect(train.count).toBe(10);
    const all = new Set([...ids(train), ...ids(validation)]);
    expect(all.size).toBe(20);
    // trainCount only trims training: validation is the same as without it.
    expect(ids(splitDataset(ds, { valFraction: 0.25, seed: 1 }).validation)).toEqual(ids(validation));
  });

  test('default is a 10% validation part', () => {
    expect(splitDataset(toyDataset(30)).validation.count).toBe(3);
  });

  test('rejects impossible splits with UserErrors', () => {
    const ds = toyDataset(10);
    expect(() => splitDataset(ds, { valCount: 10 })).toThrow(/from 1 to 9/);
    expect(() => splitDataset(ds, { valCount: 0 })).toThrow(UserError);
    expect(() => splitDataset(ds, { valFraction: 1 })).toThrow(/between 0 and 1/);
    expect(() => splitDataset(ds, { valCount: 2, valFraction: 0.2 })).toThrow(/not both/);
    expect(() => splitDataset(ds, { valCount: 2, trainCount: 9 })).toThrow(/leaves 8/);
    expect(() => splitDataset(toyDataset(1))).toThrow(/at least 2/);
  });
});

describe('classCounts', () => {
  test('counts per class, zeros included', () => {
    expect(classCounts(toyDataset(10))).toEqual([4, 3, 3]);
    expect(classCounts(subsetDataset(toyDataset(10, 4), [1, 5, 9]))).toEqual([0, 3, 0, 0]);
  });
});

describe('batches', () => {
  test('in order, covering everything, last batch partial', () => {
    const ds = toyDataset(10);
    const list = [...batches(ds, 4)];
    expect(list.map((b) => b.size)).toEqual([4, 4, 2]);
    expect(batchCount(ds, 4)).toBe(3);
    const seen = list.flatMap((b) => {
      expect(b.images.length).toBe(b.size * 4);
      expect(b.labels.length).toBe(b.size);
      return Array.from({ length: b.size }, (_, k) => {
        expect(b.labels[k]).toBe(b.images[k * 4] % 3);
        return b.images[k * 4];
      });
    });
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  test('shuffled: each image once, order fixed by the seed', () => {
    const ds = toyDataset(23);
    const order = (seed: number) => [...batches(ds, 5, { shuffle: true, seed })].flatMap((b) => Array.from(b.labels.keys(), (k) => b.images[k * 4]));
    const a = order(3);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(order(3)).toEqual(a);
    expect(order(4)).not.toEqual(a);
    expect(a).not.toEqual(Array.from({ length: 23 }, (_, i) => i));
  });

  test('batches own their arrays', () => {
    const ds = toyDataset(4);
    const [b] = [...batches(ds, 4)];
    b.images[0] = 99;
    expect(ds.images[0]).toBe(0);
  });

  test('rejects a bad batch size at the call', () => {
    expect(() => batches(toyDataset(4), 0)).toThrow(UserError);
    expect(() => batches(toyDataset(4), 2.5)).toThrow(/whole number/);
  });
});
