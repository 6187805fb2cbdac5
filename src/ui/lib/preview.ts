/**
 * Which channels a global ratio removes, from the worker's ranking (least
 * important first): the cut the search makes (src/contract/plan.ts), with
 * the importance of the last channel it removes, for display.
 */
import { removedForRatio, type RatioOptions } from '../../contract/plan';
import type { ScoresResult } from '../../worker/studioTypes';

export interface RatioPreview {
  /** Group key → removed channel indices. */
  removed: Map<string, Set<number>>;
  /** Importance of the last channel removed (the threshold), null when none is. */
  threshold: number | null;
  count: number;
}

export function previewRatio(result: ScoresResult, ratio: number, options: RatioOptions): RatioPreview {
  const groups = result.groups.map((g) => g.group);
  const importance = new Map(result.groups.map((g) => [g.group.key, g.importance]));
  const ranking = result.ranking.map(([group, channel]) => ({ group, channel }));
  const removedInOrder = removedForRatio(ranking, { groups }, ratio, options);
  const removed = new Map<string, Set<number>>();
  let threshold: number | null = null;
  for (const { group, channel } of removedInOrder) {
    if (!removed.has(group)) removed.set(group, new Set());
    removed.get(group)!.add(channel);
    threshold = importance.get(group)?.[channel] ?? threshold;
  }
  return { removed, threshold, count: removedInOrder.length };
}
