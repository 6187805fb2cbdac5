import { describe, expect, it } from 'vitest';
import { channelFloor, planForRatio, removedForRatio } from './plan';

const groups = [
  { key: 'a', size: 4, prunable: true },
  { key: 'b', size: 4, prunable: true },
  { key: 'frozen', size: 4, prunable: false },
];
const ranking = [
  { group: 'a', channel: 2 }, { group: 'frozen', channel: 0 }, { group: 'a', channel: 0 }, { group: 'a', channel: 1 },
  { group: 'a', channel: 3 }, { group: 'b', channel: 1 }, { group: 'b', channel: 0 },
].map((entry) => ({ ...entry, score: 0 }));

describe('a ratio of a global ranking', () => {
  it('removes the lowest-ranked prunable channels in ranking order, never below a group\'s floor', () => {
    // 50% of the 8 prunable channels; 'a' keeps its floor of 1, so the fourth comes from 'b'.
    expect(removedForRatio(ranking, { groups }, 0.5).map(({ group, channel }) => `${group}${channel}`)).toEqual(['a2', 'a0', 'a1', 'b1']);
    expect(planForRatio(ranking, { groups }, 0.5)).toEqual({ kept: { a: [3], b: [0, 2, 3] } });
    expect(planForRatio(ranking, { groups }, 0)).toEqual({ kept: {} });
  });

  it('keeps max(1, ceil(fraction·C)) channels per group', () => {
    expect(channelFloor({ size: 4 }, 0.05)).toBe(1);
    expect(channelFloor({ size: 64 }, 0.05)).toBe(4);
    // A floor of half of each group: at most 2 + 2 channels can go, whatever the ratio.
    expect(removedForRatio(ranking, { groups }, 0.9, { minKeepFraction: 0.5 })).toHaveLength(4);
  });
});
