/**
 * A pruning plan is plain data: for each group (by key) the channel indices
 * to keep. Groups that are absent keep all their channels. Plans can be saved,
 * shown, replayed and diffed. A global ranking and a ratio give one plan
 * (docs/METHOD.md §4); the page previews the same cut the search makes.
 */
import type { ChannelGroup } from './analysis';
import { DEFAULT_MIN_KEEP_FRACTION } from './settings';

export interface PrunePlan {
  kept: Record<string, number[]>;
}

/** One channel of the global ranking (least important first). */
export interface RankedChannel {
  group: string;
  channel: number;
  score: number;
}

/** Channels every layer keeps: max(1, ceil(fraction·C)) (default 5%, docs/METHOD.md §4). */
export function channelFloor(group: Pick<ChannelGroup, 'size'>, minKeepFraction: number): number {
  return Math.max(1, Math.ceil(minKeepFraction * group.size));
}

/** What a ratio needs of the analysis: each group's key, size and whether it can be pruned. */
export interface RatioGroups {
  groups: readonly Pick<ChannelGroup, 'key' | 'size' | 'prunable'>[];
}

export interface RatioOptions {
  minKeepFraction?: number;
}

/**
 * The channels a ratio removes, in the order they go: the lowest-ranked
 * first until `ratio` of all prunable channels are gone, skipping channels
 * whose group is at its floor.
 */
export function removedForRatio<T extends Pick<RankedChannel, 'group' | 'channel'>>(ranking: readonly T[], analysis: RatioGroups, ratio: number, options: RatioOptions = {}): T[] {
  const groups = new Map(analysis.groups.filter((group) => group.prunable).map((group) => [group.key, group]));
  const total = [...groups.values()].reduce((sum, group) => sum + group.size, 0);
  const target = Math.floor(ratio * total + 1e-9);
  const remaining = new Map([...groups.values()].map((group) => [group.key, group.size]));
  const removed: T[] = [];
  for (const entry of ranking) {
    if (removed.length >= target) break;
    const group = groups.get(entry.group);
    if (!group) continue;
    if (remaining.get(entry.group)! <= channelFloor(group, options.minKeepFraction ?? DEFAULT_MIN_KEEP_FRACTION)) continue;
    remaining.set(entry.group, remaining.get(entry.group)! - 1);
    removed.push(entry);
  }
  return removed;
}

/** The plan of one pruning ratio: what `removedForRatio` leaves of each group it touches. */
export function planForRatio(ranking: readonly RankedChannel[], analysis: RatioGroups, ratio: number, options: RatioOptions = {}): PrunePlan {
  const removed = new Map<string, Set<number>>();
  for (const { group, channel } of removedForRatio(ranking, analysis, ratio, options)) {
    if (!removed.has(group)) removed.set(group, new Set());
    removed.get(group)!.add(channel);
  }
  const sizes = new Map(analysis.groups.map((group) => [group.key, group.size]));
  const kept: Record<string, number[]> = {};
  for (const [key, gone] of removed) kept[key] = Array.from({ length: sizes.get(key)! }, (_, channel) => channel).filter((channel) => !gone.has(channel));
  return { kept };
}
