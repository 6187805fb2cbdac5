/**
 * Reads a model into its channel dependency graph: which layers produce which
 * channels, which channels are coupled and must go together (a "group"),
 * which consumers get sliced, and which channels can never be pruned and why.
 *
 * Every tensor's last axis is described as a list of segments, each a run of
 * channels of one group. Sources (Conv2D, Dense) open a new group; `Add` and
 * depthwise convolutions merge groups (union–find); `Concatenate` lines them up.
 */
import type { ChannelGroup, ChannelLayout, ChannelRole, LayerInfo, ModelAnalysis, Segment } from '../../contract/analysis';
import type { LayerSpec, ModelSpec, Shape } from '../core/types';
import { checkLayerWeights } from './checkWeights';
import { handlerFor, type LayerHandler } from './handlers';


/** Layouts while the groups are still being merged: numeric union–find ids. */
type BuildLayout = ChannelLayout<number>;

class UnionFind {
  private parent: number[] = [];
  make(): number {
    this.parent.push(this.parent.length);
    return this.parent.length - 1;
  }
  find(id: number): number {
    while (this.parent[id] !== id) id = this.parent[id] = this.parent[this.parent[id]];
    return id;
  }
  union(a: number, b: number): void {
    this.parent[this.find(b)] = this.find(a);
  }
}

const segmentsOf = <G>(layout: ChannelLayout<G>): Segment<G>[] => (layout.kind === 'opaque' ? [] : layout.segments);

export function analyzeModel(spec: ModelSpec): ModelAnalysis {
  const groups = new UnionFind();
  const groupOwner: string[] = [];
  const groupSize: number[] = [];
  const taints = new Map<number, string[]>();
  const taint = (layout: BuildLayout, reason: string): void => {
    for (const segment of segmentsOf(layout)) {
      const root = groups.find(segment.group);
      taints.set(root, [...(taints.get(root) ?? []), reason]);
    }
  };
  const newGroup = (owner: string, size: number): number => {
    groupOwner.push(owner);
    groupSize.push(size);
    return groups.make();
  };

  const infos = new Map<string, LayerInfo<number>>();
  const memberOf = new Map<string, number>();
  const unsupportedLayers: ModelAnalysis['unsupportedLayers'] = [];

  for (const layer of spec.layers) {
    const inputs = layer.inbound.map((name) => infos.get(name)!);
    const found = handlerFor(layer);
    const params = Object.values(layer.weights).reduce((sum, weight) => sum + weight.values.length, 0);
    if ('reason' in found) {
      inputs.forEach((input) => taint(input.layout, `reaches layer '${layer.name}' (${layer.className}): ${found.reason}`));
      unsupportedLayers.push({ layer: layer.name, className: layer.className, reason: found.reason });
      infos.set(layer.name, { name: layer.name, className: layer.className, role: 'unsupported', reason: found.reason, outputShape: null, params, flops: null, layout: { kind: 'opaque' } });
      continue;
    }
    const { handler } = found;
    const inputShapes = inputs.map((input) => input.outputShape);
    const known = inputShapes.every((shape): shape is Shape => shape !== null);
    if (known) checkLayerWeights(layer, handler, inputShapes);
    const outputShape = known ? safeShape(handler, layer, inputShapes) : null;
    const flops = outputShape ? handler.macs(layer, inputShapes as Shape[], outputShape) : null;
    const layout = channelLayout(handler.role, layer, inputs, outputShape, { newGroup, union: (a, b) => groups.union(a, b), taint });
    if (handler.role === 'source' || handler.role === 'depthwise') {
      const segments = segmentsOf(layout);
      if (segments.length === 1) memberOf.set(layer.name, segments[0].group);
    }
    infos.set(layer.name, { name: layer.name, className: layer.className, role: handler.role, outputShape, params, flops, layout });
  }

  for (const name of spec.outputs) taint(infos.get(name)!.layout, `is a model output (layer '${name}')`);
  const result = collectGroups(spec, groups, groupOwner, groupSize, taints, memberOf);
  const keyOf = (id: number): string => groupOwner[groups.find(id)];
  const layers: LayerInfo[] = spec.layers.map((layer) => {
    const info = infos.get(layer.name)!;
    const layout = info.layout;
    if (layout.kind === 'opaque') return { ...info, layout };
    const segments = layout.segments.map((segment) => ({ size: segment.size, group: keyOf(segment.group) }));
    return { ...info, layout: layout.kind === 'flat' ? { ...layout, segments } : { kind: 'channels', segments } };
  });
  const prunable = result.groups.filter((group) => group.prunable);
  return {
    modelName: spec.name,
    layers,
    groups: result.groups,
    params: layers.reduce((sum, layer) => sum + layer.params, 0),
    flops: layers.reduce((sum, layer) => sum + (layer.flops ?? 0), 0),
    prunableChannels: prunable.reduce((sum, group) => sum + group.size, 0),
    totalChannels: result.groups.reduce((sum, group) => sum + group.size, 0),
    unsupportedLayers,
    layerInbound: Object.fromEntries(spec.layers.map((layer) => [layer.name, [...layer.inbound]])),
  };
}

function safeShape(handler: LayerHandler, layer: LayerSpec, inputs: Shape[]): Shape | null {
  try {
    const shape = handler.outputShape(layer, inputs);
    return shape.every((size) => Number.isFinite(size) && size > 0) ? shape : null;
  } catch {
    return null;
  }
}

interface LayoutContext {
  newGroup(owner: string, size: number): number;
  union(a: number, b: number): void;
  taint(layout: BuildLayout, reason: string): void;
}

function channelLayout(role: ChannelRole, layer: LayerSpec, inputs: LayerInfo<number>[], outputShape: Shape | null, context: LayoutContext): BuildLayout {
  const first: BuildLayout = inputs[0]?.layout ?? { kind: 'opaque' };
  switch (role) {
    case 'input':
    case 'source': {
      const size = outputShape ? outputShape[outputShape.length - 1] : channelCountFromWeights(layer);
      if (size === undefined) return { kind: 'opaque' };
      const layout: BuildLayout = { kind: 'channels', segments: [{ group: context.newGroup(layer.name, size), size }] };
      if (role === 'input') context.taint(layout, `is the model input ('${layer.name}')`);
      if (role === 'source' && layer.className === 'Conv2D' && first.kind === 'flat') {
        context.taint(first, `feeds Conv2D '${layer.name}' from a flattened tensor`);
      }
      return layout;
    }
    case 'pass':
    case 'depthwise':
      return first;
    case 'flatten': {
      if (first.kind !== 'channels' || !inputs[0].outputShape) {
        context.taint(first, `reaches Flatten '${layer.name}' with an unknown spatial size`);
        return { kind: 'opaque' };
      }
      const shape = inputs[0].outputShape;
      const positions = shape.slice(0, -1).reduce((p, s) => p * s, 1);
      return { kind: 'flat', segments: first.segments, positions };
    }
    case 'add':
      return coupleAddInputs(layer, inputs, context);
    case 'concat': {
      if (inputs.some((input) => input.layout.kind !== 'channels')) {
        inputs.forEach((input) => context.taint(input.layout, `reaches Concatenate '${layer.name}' with an unknown channel layout`));
        return { kind: 'opaque' };
      }
      return { kind: 'channels', segments: inputs.flatMap((input) => segmentsOf(input.layout)) };
    }
  }
}

function channelCountFromWeights(layer: LayerSpec): number | undefined {
  const kernel = layer.weights.kernel;
  return kernel ? kernel.shape[kernel.shape.length - 1] : undefined;
}

/** Add: channel k of every input is summed, so their groups merge. */
function coupleAddInputs(layer: LayerSpec, inputs: LayerInfo<number>[], context: LayoutContext): BuildLayout {
  const layouts = inputs.map((input) => input.layout);
  const reference = layouts[0];
  const sameCut = (layout: BuildLayout): boolean =>
    layout.kind === reference.kind &&
    segmentsOf(layout).length === segmentsOf(reference).length &&
    segmentsOf(layout).every((segment, index) => segment.size === segmentsOf(reference)[index].size);
  if (reference.kind === 'opaque' || !layouts.every(sameCut)) {
    layouts.forEach((layout) => context.taint(layout, `reaches Add '${layer.name}' whose inputs' channels do not line up`));
    return { kind: 'opaque' };
  }
  for (const layout of layouts.slice(1)) {
    segmentsOf(layout).forEach((segment, index) => context.union(segmentsOf(reference)[index].group, segment.group));
  }
  return reference;
}

function collectGroups(
  spec: ModelSpec,
  groups: UnionFind,
  owners: string[],
  sizes: number[],
  taints: Map<number, string[]>,
  memberOf: Map<string, number>,
): { groups: ChannelGroup[] } {
  const byRoot = new Map<number, ChannelGroup>();
  owners.forEach((owner, id) => {
    const root = groups.find(id);
    if (!byRoot.has(root)) {
      byRoot.set(root, { key: owners[root], size: sizes[root], members: [], prunable: true, reasons: [...new Set(taints.get(root) ?? [])] });
    }
    const group = byRoot.get(root)!;
    if (sizes[id] !== group.size) group.reasons.push(`its coupled layers '${owners[root]}' and '${owner}' have different channel counts`);
  });
  const withoutGamma = new Map<ChannelGroup, string[]>();
  for (const [layerName, id] of memberOf) {
    const group = byRoot.get(groups.find(id))!;
    const { noGamma, ...normalization } = normalizationAfter(spec, layerName);
    group.members.push({ layer: layerName, ...normalization });
    if (noGamma) withoutGamma.set(group, [...(withoutGamma.get(group) ?? []), noGamma]);
  }
  for (const group of byRoot.values()) {
    if (group.reasons.length === 0 && !group.members.some((member) => member.bn)) {
      const scaleless = withoutGamma.get(group);
      group.reasons.push(scaleless
        ? `its BatchNormalization ${scaleless.map((name) => `'${name}'`).join(', ')} has scale: false (no γ), so γ and GFR (|γ|·sr) cannot score its channels`
        : 'no BatchNormalization follows its layers, so γ cannot score its channels');
    }
    group.prunable = group.reasons.length === 0;
  }
  return { groups: [...byRoot.values()] };
}

const SKIPPABLE_BEFORE_BN = new Set(['Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Dropout']);

/** The BN that normalizes a layer's output (directly or after an activation), and the GFR after it. */
function normalizationAfter(spec: ModelSpec, layerName: string): { bn?: string; gfr?: string; noGamma?: string } {
  let current = layerName;
  for (;;) {
    const consumers = spec.layers.filter((layer) => layer.inbound.includes(current));
    if (consumers.length !== 1) return {};
    const next = consumers[0];
    if (next.className === 'BatchNormalization') {
      if (!next.weights.gamma && next.config.scale === false) return { noGamma: next.name };
      const after = spec.layers.filter((layer) => layer.inbound.includes(next.name));
      const gfr = after.length === 1 && after[0].className === 'GFR' ? after[0].name : undefined;
      return gfr ? { bn: next.name, gfr } : { bn: next.name };
    }
    if (!SKIPPABLE_BEFORE_BN.has(next.className)) return {};
    current = next.name;
  }
}

/** The group of a layer's output channels when they all belong to one group. */
export function groupOfLayer(analysis: ModelAnalysis, layerName: string): ChannelGroup | undefined {
  const layout = analysis.layers.find((layer) => layer.name === layerName)?.layout;
  if (!layout || layout.kind === 'opaque' || layout.segments.length !== 1) return undefined;
  return analysis.groups.find((group) => group.key === layout.segments[0].group);
}
