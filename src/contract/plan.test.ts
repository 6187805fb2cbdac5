import { describe, expect, it } from 'vitest';
import { channelFloor, keptCounts, planForRatio, removedForRatio } from './plan';

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

describe('a ratio with kept channels rounded to a multiple (roundTo)', () => {
  // Sizes that are not multiples (10, 51), one that is (16), one smaller than the multiple (3), one frozen.
  const sized = [
    { key: 'a', size: 10, prunable: true }, { key: 'b', size: 51, prunable: true }, { key: 'c', size: 16, prunable: true },
    { key: 'tiny', size: 3, prunable: true }, { key: 'frozen', size: 8, prunable: false },
  ];
  let state = 7;
  const next = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const shuffled = sized.flatMap((group) => Array.from({ length: group.size }, (_, channel) => ({ group: group.key, channel, score: next() })))
    .sort((x, y) => x.score - y.score);
  const ratios = Array.from({ length: 20 }, (_, i) => i / 20);

  it('keeps a multiple of it in every group, or the whole group; never zero, never more than the group has', () => {
    for (const roundTo of [4, 8, 16]) {
      for (const ratio of ratios) {
        const plan = planForRatio(shuffled, { groups: sized }, ratio, { roundTo });
        for (const group of sized) {
          const kept = plan.kept[group.key]?.length ?? group.size;
          expect(kept === group.size || kept % roundTo === 0, `${group.key} keeps ${kept} at ${ratio}, roundTo ${roundTo}`).toBe(true);
          expect(kept).toBeGreaterThan(0);
          expect(kept).toBeLessThanOrEqual(group.size);
        }
        expect(plan.kept.frozen).toBeUndefined();
        expect(plan.kept.tiny).toBeUndefined();
      }
    }
  });

  it('removes whole chunks only once all their channels rank below what stays, and more as the ratio grows', () => {
    const position = new Map(shuffled.map((entry, index) => [`${entry.group}${entry.channel}`, index]));
    let before = new Set<string>();
    for (const ratio of ratios) {
      const removed = removedForRatio(shuffled, { groups: sized }, ratio, { roundTo: 8 });
      const names = new Set(removed.map(({ group, channel }) => `${group}${channel}`));
      for (const name of before) expect(names.has(name), `${name} removed at a smaller ratio but not at ${ratio}`).toBe(true);
      before = names;
      // Within a group, every removed channel ranks below every kept one.
      for (const group of sized) {
        const positions = (entries: typeof shuffled) => entries.filter((entry) => entry.group === group.key).map((entry) => position.get(`${entry.group}${entry.channel}`)!);
        const gone = positions(removed);
        const stays = positions(shuffled.filter((entry) => !names.has(`${entry.group}${entry.channel}`)));
        if (gone.length && stays.length) expect(Math.max(...gone)).toBeLessThan(Math.min(...stays));
      }
    }
  });

  it('ends within half a chunk of the ratio\'s count of channels', () => {
    const total = sized.filter((group) => group.prunable).reduce((sum, group) => sum + group.size, 0);
    for (const ratio of [0.1, 0.3, 0.5]) {
      const removed = removedForRatio(shuffled, { groups: sized }, ratio, { roundTo: 8 }).length;
      expect(Math.abs(removed - Math.floor(ratio * total))).toBeLessThanOrEqual(4);
    }
  });

  it('is the unrounded cut with roundTo 1', () => {
    for (const ratio of ratios) expect(planForRatio(shuffled, { groups: sized }, ratio, { roundTo: 1 })).toEqual(planForRatio(shuffled, { groups: sized }, ratio));
  });

  it('lists the counts a group may keep', () => {
    expect(keptCounts({ size: 10 }, { roundTo: 8 })).toEqual([10, 8]);
    expect(keptCounts({ size: 16 }, { roundTo: 16 })).toEqual([16]);
    expect(keptCounts({ size: 3 }, { roundTo: 4 })).toEqual([3]);
    // A floor of 4 (5% of 64) rounds up to 8.
    expect(keptCounts({ size: 64 }, { roundTo: 8 })).toEqual([64, 56, 48, 40, 32, 24, 16, 8]);
    expect(keptCounts({ size: 5 }, { roundTo: 1, minKeepFraction: 0.5 })).toEqual([5, 4, 3]);
  });
});
