import { describe, expect, it } from 'vitest';
import { inRange, RANGES, rangeText } from './ranges';
import { DEFAULT_TRAIN_SETTINGS, DEFAULT_SEARCH_SETTINGS, DEFAULT_GRID_MAX } from './settings';
import { DEFAULT_TOLERANCE } from './select';

describe('the ranges of bounded settings', () => {
  it('hold every default', () => {
    expect(inRange(DEFAULT_TRAIN_SETTINGS.target, RANGES.targetShare)).toBe(true);
    expect(inRange(DEFAULT_GRID_MAX, RANGES.gridMax)).toBe(true);
    expect(DEFAULT_SEARCH_SETTINGS.ratios.every((ratio) => inRange(ratio, RANGES.pruningRatio))).toBe(true);
    expect(inRange(DEFAULT_TOLERANCE, RANGES.tolerance)).toBe(true);
  });

  it('include their ends and refuse what lies outside or is not a number', () => {
    expect(inRange(0.95, RANGES.targetShare)).toBe(true);
    expect(inRange(0.951, RANGES.targetShare)).toBe(false);
    expect(inRange(-0.01, RANGES.pruningRatio)).toBe(false);
    expect(inRange(Number.NaN, RANGES.tolerance)).toBe(false);
    expect(rangeText(RANGES.gridMax)).toBe('[0.05, 0.95]');
  });
});
