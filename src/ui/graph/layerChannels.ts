/**
 * Channels a layer of the model graph outputs under a pruning plan: each run
 * of its output keeps what the plan keeps of that run's group (all of it when
 * the plan leaves the group alone), repeated at every position of a flattened
 * tensor. Without a plan, the whole model: every channel kept.
 */
import type { PrunePlan } from '../../engine/prune/plan';
import type { GraphNode } from '../../worker/studioTypes';

export interface LayerChannels {
  kept: number;
  total: number;
}

export function layerChannels(node: GraphNode, plan: PrunePlan | null): LayerChannels | null {
  if (node.channels === null) return null;
  if (!plan || !node.segments) return { kept: node.channels, total: node.channels };
  const kept = node.segments.reduce((sum, segment) => sum + (plan.kept[segment.group]?.length ?? segment.size), 0);
  return { kept: kept * node.positions, total: node.channels };
}
