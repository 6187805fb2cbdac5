import { describe, expect, it } from 'vitest';
import { baselineOf } from './candidate';
import { DEFAULT_SEARCH_SETTINGS, defaultGrid } from './settings';

describe('the default grid', () => {
  it('runs from 0 to the maximum by the step, rounded, never past the maximum', () => {
    expect(DEFAULT_SEARCH_SETTINGS.ratios).toHaveLength(19);
    expect(DEFAULT_SEARCH_SETTINGS.ratios.slice(0, 4)).toEqual([0, 0.05, 0.1, 0.15]);
    expect(DEFAULT_SEARCH_SETTINGS.ratios.at(-1)).toBe(0.9);
    expect(defaultGrid(0.1, 0.35)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(defaultGrid(0.3, 0.95)).toEqual([0, 0.3, 0.6, 0.9]);
  });
});

describe('baselineOf', () => {
  it('finds the unpruned candidate wherever it is, and nothing before the search measured it', () => {
    const baseline = { stage: 'baseline' as const, index: 0 };
    expect(baselineOf([{ stage: 'grid' as const, index: 1 }, baseline])).toBe(baseline);
    expect(baselineOf([])).toBeUndefined();
  });
});
