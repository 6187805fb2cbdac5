/** Turns a global ranking into the plan of one pruning ratio. */
import type { ModelAnalysis } from '../graph/analyze';
import type { PrunePlan } from '../prune/plan';
import { range } from '../core/weightArrays';
import { channelFloor, type RankedChannel } from './importance';

export const DEFAULT_MIN_KEEP_FRACTION = 0.05;

export interface RatioOptions {
  minKeepFraction?: number;
}

/**
 * Removes the lowest-ranked channels until `ratio` of all prunable channels
 * are gone, skipping channels whose group is at its floor.
 */
export function planForRatio(ranking: RankedChannel[], analysis: ModelAnalysis, ratio: number, options: RatioOptions = {}): PrunePlan {
  const groups = new Map(analysis.groups.filter((group) => group.prunable).map((group) => [group.key, group]));
  const total = [...groups.values()].reduce((sum, group) => sum + group.size, 0);
  const target = Math.floor(ratio * total + 1e-9);
  const remaining = new Map([...groups.values()].map((group) => [group.key, group.size]));
  const removed = new Map<string, Set<number>>();
  let count = 0;
  for (const entry of ranking) {
    if (count >= target) break;
    const group = groups.get(entry.group);
    if (!group) continue;
    if (remaining.get(entry.group)! <= channelFloor(group, options.minKeepFraction ?? DEFAULT_MIN_KEEP_FRACTION)) continue;
    remaining.set(entry.group, remaining.get(entry.group)! - 1);
    if (!removed.has(entry.group)) removed.set(entry.group, new Set());
    removed.get(entry.group)!.add(entry.channel);
    count++;
  }
  const kept: Record<string, number[]> = {};
  for (const [key, gone] of removed) kept[key] = range(groups.get(key)!.size).filter((channel) => !gone.has(channel));
  return { kept };
}
