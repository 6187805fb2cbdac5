/**
 * Which channels a global ratio removes, from the worker's ranking (least
 * important first), with the same per-group floor the engine keeps
 * (max(1, ceil(minKeep·C)) channels; src/engine/score/planForRatio.ts). For
 * display only: the search's own plans come from the engine.
 */
import type { ScoresResult } from '../../worker/studioTypes';

export interface RatioPreview {
  /** Group key → removed channel indices. */
  removed: Map<string, Set<number>>;
  /** Importance of the last channel removed (the threshold), null when none is. */
  threshold: number | null;
  count: number;
}

export function previewRatio(result: ScoresResult, ratio: number, minKeepFraction: number): RatioPreview {
  const sizes = new Map(result.groups.filter((g) => g.group.prunable).map((g) => [g.group.key, g.group.size]));
  const importance = new Map(result.groups.map((g) => [g.group.key, g.importance]));
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const target = Math.floor(ratio * total + 1e-9);
  const removed = new Map<string, Set<number>>();
  let threshold: number | null = null;
  let count = 0;
  for (const [key, channel] of result.ranking) {
    if (count >= target) break;
    const size = sizes.get(key);
    if (size === undefined) continue;
    const floor = Math.max(1, Math.ceil(minKeepFraction * size));
    const set = removed.get(key) ?? new Set<number>();
    if (size - set.size <= floor) continue;
    set.add(channel);
    removed.set(key, set);
    threshold = importance.get(key)?.[channel] ?? threshold;
    count++;
  }
  return { removed, threshold, count };
}
