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
  /** Every group keeps a multiple of this many channels, or all of them (1: any count; docs/METHOD.md §4). */
  roundTo?: number;
}

/**
 * The channel counts a group may keep, all of them first, then falling: every count with `roundTo` = 1; with
 * `roundTo` = m, the multiples of m below the group's size down to its floor rounded up to a multiple (a group of
 * fewer than m channels, or of m when the floor rounds to m, keeps all its channels).
 */
export function keptCounts(group: Pick<ChannelGroup, 'size'>, options: RatioOptions = {}): number[] {
  const multiple = options.roundTo ?? 1;
  const least = Math.min(group.size, Math.ceil(channelFloor(group, options.minKeepFraction ?? DEFAULT_MIN_KEEP_FRACTION) / multiple) * multiple);
  const counts = [group.size];
  for (let kept = Math.floor((group.size - 1) / multiple) * multiple; kept >= least && kept > 0; kept -= multiple) counts.push(kept);
  return counts;
}

/**
 * The channels a ratio removes, in the order they go: the lowest-ranked first until `ratio` of all prunable channels
 * are gone, never below a group's floor. With `roundTo` > 1 a group's channels go in chunks that take it from one
 * count of `keptCounts` to the next, each chunk at the place in the ranking of its most important channel (so all of
 * a chunk ranks below what stays), and the last chunk is taken only if it brings the count nearer to the ratio's than
 * stopping before it would: a larger ratio removes what a smaller one does and more.
 */
export function removedForRatio<T extends Pick<RankedChannel, 'group' | 'channel'>>(ranking: readonly T[], analysis: RatioGroups, ratio: number, options: RatioOptions = {}): T[] {
  const prunable = analysis.groups.filter((group) => group.prunable);
  const total = prunable.reduce((sum, group) => sum + group.size, 0);
  const target = Math.floor(ratio * total + 1e-9);
  // Per group: the counts still ahead of it, and the channels ranked so far toward its next count.
  const ahead = new Map(prunable.map((group) => [group.key, keptCounts(group, options).slice(1)]));
  const pending = new Map(prunable.map((group) => [group.key, [] as T[]]));
  const kept = new Map(prunable.map((group) => [group.key, group.size]));
  const removed: T[] = [];
  for (const entry of ranking) {
    if (removed.length >= target) break;
    const next = ahead.get(entry.group);
    if (!next?.length) continue;
    const chunk = pending.get(entry.group)!;
    chunk.push(entry);
    if (kept.get(entry.group)! - chunk.length > next[0]) continue;
    // Past the target by no more than it would fall short without this chunk.
    if (2 * removed.length + chunk.length > 2 * target) break;
    removed.push(...chunk);
    kept.set(entry.group, next.shift()!);
    chunk.length = 0;
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
