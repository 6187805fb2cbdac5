/**
 * The model as a graph for the page: one box per layer, edges for the data
 * flow, each box with the channels it outputs and why pruning may not cut
 * them. The layout (dagre: layers ranked top to bottom, crossings reduced)
 * runs here in the worker, so the page only draws.
 */
import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import type { ChannelGroup, LayerInfo, ModelAnalysis } from '../contract/analysis';
import type { GraphNode, ModelGraph } from './studioTypes';

/** A box's size in layout units: room for a layer name, its class and a channel count. */
export const NODE_SIZE = { width: 204, height: 46 };
const SPACING = { nodesep: 28, ranksep: 22, edgesep: 12, marginx: 12, marginy: 12 };

export function modelGraph(analysis: ModelAnalysis): ModelGraph {
  const layout = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>();
  layout.setGraph({ rankdir: 'TB', ...SPACING });
  layout.setDefaultEdgeLabel(() => ({}));
  for (const layer of analysis.layers) layout.setNode(layer.name, { ...NODE_SIZE });
  const links = analysis.layers.flatMap((layer) => (analysis.layerInbound[layer.name] ?? []).map((from) => ({ from, to: layer.name })));
  for (const { from, to } of links) layout.setEdge(from, to);
  dagre.layout(layout);

  const groups = new Map(analysis.groups.map((group) => [group.key, group]));
  const nodes = analysis.layers.map((layer): GraphNode => {
    const { x = 0, y = 0 } = layout.node(layer.name);
    return { ...channelsOf(layer, groups), name: layer.name, className: layer.className, role: layer.role, x: x - NODE_SIZE.width / 2, y: y - NODE_SIZE.height / 2, ...NODE_SIZE };
  });
  const edges = links.map(({ from, to }) => ({ from, to, points: (layout.edge(from, to).points ?? []).map(({ x, y }) => ({ x, y })) }));
  const { width = 0, height = 0 } = layout.graph();
  return { nodes, edges, width, height };
}

function channelsOf(layer: LayerInfo, groups: Map<string, ChannelGroup>): Pick<GraphNode, 'channels' | 'segments' | 'positions' | 'reasons'> {
  const channels = layer.outputShape ? layer.outputShape[layer.outputShape.length - 1] : null;
  if (layer.layout.kind === 'opaque') {
    return { channels, segments: null, positions: 1, reasons: [layer.reason ?? 'the engine cannot follow its channels to the layers that made them'] };
  }
  const segments = layer.layout.segments.map((segment) => ({ ...segment }));
  const reasons = [...new Set(segments.flatMap((segment) => groups.get(segment.group)?.reasons ?? []))];
  return { channels, segments, positions: layer.layout.kind === 'flat' ? layer.layout.positions : 1, reasons };
}
