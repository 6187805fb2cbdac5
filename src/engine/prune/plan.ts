/**
 * A pruning plan is plain data: for each group (by key) the channel indices
 * to keep. Groups that are absent keep all their channels. Plans can be saved,
 * shown, replayed and diffed.
 */
import type { PrunePlan } from '../../contract/plan';
import type { ChannelGroup, ChannelLayout, ModelAnalysis } from '../../contract/analysis';
import { range } from '../core/weightArrays';


/** Channel indices kept along a tensor's last axis, given its layout. */
export function keptIndices(layout: ChannelLayout, plan: PrunePlan, channelCount: number): number[] {
  if (layout.kind === 'opaque') return range(channelCount);
  const channels: number[] = [];
  let offset = 0;
  for (const segment of layout.segments) {
    const kept = plan.kept[segment.group] ?? range(segment.size);
    for (const index of kept) channels.push(offset + index);
    offset += segment.size;
  }
  if (layout.kind === 'channels') return channels;
  const features: number[] = [];
  for (let position = 0; position < layout.positions; position++) {
    for (const channel of channels) features.push(position * offset + channel);
  }
  return features;
}

/** Removed channels of each group, for display: group key → removed indices. */
export function removedChannels(plan: PrunePlan, groups: ChannelGroup[]): Record<string, number[]> {
  const removed: Record<string, number[]> = {};
  for (const group of groups) {
    const kept = new Set(plan.kept[group.key] ?? range(group.size));
    const gone = range(group.size).filter((index) => !kept.has(index));
    if (gone.length) removed[group.key] = gone;
  }
  return removed;
}

export function countKept(plan: PrunePlan, analysis: ModelAnalysis): { kept: number; total: number } {
  const prunable = analysis.groups.filter((group) => group.prunable);
  const total = prunable.reduce((sum, group) => sum + group.size, 0);
  const kept = prunable.reduce((sum, group) => sum + (plan.kept[group.key]?.length ?? group.size), 0);
  return { kept, total };
}
