/**
 * The cost model of pruning: a model's multiply–accumulates (what the project
 * calls FLOPs) as a function of the channels each group keeps. Only
 * convolutions and dense layers cost anything; a layer's cost scales with the
 * share of its input channels kept times the share of its output channels kept.
 */
import type { ChannelLayout, LayerInfo, ModelAnalysis } from '../../contract/analysis';

/** Channels kept per group key; a group left out keeps all its channels. */
export type KeptCounts = Record<string, number>;

/** FLOPs of the model once every group keeps `kept[group]` channels (exact for the pruned architecture). */
export function keptFlops(analysis: ModelAnalysis, kept: KeptCounts): number {
  const infos = new Map(analysis.layers.map((layer) => [layer.name, layer]));
  let total = 0;
  for (const layer of analysis.layers) {
    if (!layer.flops) continue;
    const output = layer.role === 'source' || layer.role === 'depthwise' ? keptShare(layer.layout, kept) : 1;
    const input = layer.role === 'source' ? inputsOf(analysis, infos, layer).reduce((share, reader) => share * keptShare(reader.layout, kept), 1) : 1;
    total += layer.flops * output * input;
  }
  return total;
}

/**
 * FLOPs freed by removing one channel of each group: the group's own layers'
 * cost per output channel plus its readers' cost per input channel.
 */
export function flopsPerChannel(analysis: ModelAnalysis): Record<string, number> {
  const cost: Record<string, number> = Object.fromEntries(analysis.groups.map((group) => [group.key, 0]));
  const infos = new Map(analysis.layers.map((layer) => [layer.name, layer]));
  const sizes = new Map(analysis.groups.map((group) => [group.key, group.size]));
  for (const layer of analysis.layers) {
    if (!layer.flops || layer.layout.kind === 'opaque') continue;
    if (layer.role === 'source' || layer.role === 'depthwise') {
      const [segment] = layer.layout.segments;
      if (layer.layout.segments.length === 1) cost[segment.group] += layer.flops / sizes.get(segment.group)!;
    }
    if (layer.role !== 'source') continue;
    for (const input of inputsOf(analysis, infos, layer)) {
      if (input.layout.kind === 'opaque') continue;
      const channels = input.layout.segments.reduce((sum, segment) => sum + segment.size, 0);
      for (const segment of input.layout.segments) cost[segment.group] += layer.flops / channels;
    }
  }
  return cost;
}

function inputsOf(analysis: ModelAnalysis, infos: Map<string, LayerInfo>, layer: LayerInfo): LayerInfo[] {
  return analysis.layerInbound[layer.name]?.map((name) => infos.get(name)!) ?? [];
}

/** Share of a tensor's channels kept, over the segments of its layout. */
function keptShare(layout: ChannelLayout, kept: KeptCounts): number {
  if (layout.kind === 'opaque') return 1;
  let channels = 0;
  let left = 0;
  for (const segment of layout.segments) {
    channels += segment.size;
    left += Math.min(segment.size, kept[segment.group] ?? segment.size);
  }
  return channels ? left / channels : 1;
}
