import { describe, expect, it } from 'vitest';
import { pairedStandardError } from './pairedDifference';

describe('pairedStandardError', () => {
  it('is not zero for models right on the same images: agreeing on a few images proves little', () => {
    const hits = Uint8Array.from({ length: 30 }, (_, i) => i % 3 === 0 ? 0 : 1);
    // No disagreement in 30 images: half an image added each way, 1/(n + 2).
    expect(pairedStandardError(hits, hits)).toBeCloseTo(1 / 32, 12);
    const many = new Uint8Array(1000).fill(1);
    expect(pairedStandardError(many, many)).toBeCloseTo(1 / 1002, 12);
  });

  it('is the standard error of the mean difference, half an image added to each cell (Agresti & Min)', () => {
    // One image each way among 4: cells 1.5 / 1.5 of 6, mean 0, variance (3/6) / 6.
    const a = Uint8Array.from([0, 1, 1, 0]);
    const b = Uint8Array.from([1, 0, 1, 0]);
    expect(pairedStandardError(a, b)).toBeCloseTo(Math.sqrt(3 / 6 / 6), 12);
    // Three lost, none gained, among 10: cells 3.5 / 0.5 of 12, mean −3/12.
    const before = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    const after = Uint8Array.from([0, 0, 0, 1, 1, 1, 1, 0, 0, 0]);
    expect(pairedStandardError(before, after)).toBeCloseTo(Math.sqrt((4 / 12 - (3 / 12) ** 2) / 12), 12);
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
