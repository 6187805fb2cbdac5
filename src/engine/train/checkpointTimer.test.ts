import { describe, expect, it } from 'vitest';
import { CheckpointTimer } from './checkpointTimer';

describe('CheckpointTimer', () => {
  it('is due at the end of every epoch but the last, and once the interval has passed since the last checkpoint', () => {
    let now = 1000;
    const timer = new CheckpointTimer(500, () => now);
    // 4 steps an epoch, 12 in all, no time passing: the ends of the first two epochs.
    expect([...Array(12).keys()].map((i) => i + 1).filter((step) => timer.due(step, 12, 4))).toEqual([4, 8]);
    now += 499;
    expect(timer.due(5, 12, 4)).toBe(false);
    now += 1;
    expect(timer.due(5, 12, 4)).toBe(true);
    timer.saving();
    expect(timer.due(6, 12, 4)).toBe(false);
    now += 500;
    expect(timer.due(6, 12, 4)).toBe(true);
    // Never after the last step: the summary follows.
    expect(timer.due(12, 12, 4)).toBe(false);
  });
});
