import { describe, expect, it } from 'vitest';
import { pairedStandardError } from './pairedDifference';

describe('pairedStandardError', () => {
  it('is zero for models right on the same images, whatever their accuracy', () => {
    const hits = Uint8Array.from([1, 0, 1, 1, 0, 1]);
    expect(pairedStandardError(hits, hits)).toBe(0);
  });

  it('is the standard error of the mean of the per-image differences', () => {
    // Differences b − a: +1, −1, 0, 0 → mean 0, sample variance 2/3, SE √(2/3 / 4).
    const a = Uint8Array.from([0, 1, 1, 0]);
    const b = Uint8Array.from([1, 0, 1, 0]);
    expect(pairedStandardError(a, b)).toBeCloseTo(Math.sqrt(2 / 3 / 4), 12);
  });

  it('shrinks as the images grow in number, for the same share of disagreements', () => {
    const pair = (n: number) => {
      const a = new Uint8Array(n).fill(1);
      const b = Uint8Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 0 : 1));
      return pairedStandardError(a, b);
    };
    expect(pair(4000)).toBeCloseTo(pair(1000) / 2, 3);
    // 800 images, 10% disagreeing one way: about a point.
    expect(pair(800)).toBeGreaterThan(0.009);
    expect(pair(800)).toBeLessThan(0.012);
  });
});
