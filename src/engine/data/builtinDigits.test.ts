import { describe, expect, test } from 'vitest';
import { BUILTIN_DIGITS_COUNT, BUILTIN_DIGITS_SOURCE, loadBuiltinDigits } from './builtinDigits';
import { classCounts } from './split';

describe('loadBuiltinDigits', () => {
  test('10,000 digits of 28x28x1 with labels 0..9', async () => {
    const ds = await loadBuiltinDigits();
    expect(ds.count).toBe(10_000);
    expect(BUILTIN_DIGITS_COUNT).toBe(ds.count);
    expect([ds.height, ds.width, ds.channels]).toEqual([28, 28, 1]);
    expect(ds.images.length).toBe(10_000 * 784);
    expect(ds.labels.length).toBe(10_000);
    expect(ds.numClasses).toBe(10);
    expect(ds.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(ds.source).toBe(BUILTIN_DIGITS_SOURCE);
    expect(classCounts(ds)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

  test('pixels lie in [0,1] on the 1/255 grid and images are not blank', async () => {
    const ds = await loadBuiltinDigits();
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < ds.images.length; i++) {
      const v = ds.images[i];
      if (v < min) min = v;
      if (v > max) max = v;
      if (i < 784 * 50) expect(Math.abs(v * 255 - Math.round(v * 255))).toBeLessThan(1e-4);
    }
    expect(min).toBe(0);
    expect(max).toBeCloseTo(1, 6);
    const firstImageSum = ds.images.subarray(0, 784).reduce((a, b) => a + b, 0);
    expect(firstImageSum).toBeGreaterThan(10);
  });

  test('a prefix holds every class (the order is mixed, and fixed)', async () => {
    const a = await loadBuiltinDigits();
    const b = await loadBuiltinDigits();
    expect(new Set(a.labels.subarray(0, 200)).size).toBe(10);
    expect(b.labels).toEqual(a.labels);
    expect(b.images === a.images).toBe(false); // each call owns its arrays
  });

  test('applies the scaling', async () => {
    const plain = await loadBuiltinDigits();
    const scaled = await loadBuiltinDigits({ mean: [0.5], std: [0.25] });
    for (const i of [0, 300, 401, 783, 5000]) {
      expect(scaled.images[i]).toBeCloseTo((plain.images[i] - 0.5) / 0.25, 5);
    }
  });
});
