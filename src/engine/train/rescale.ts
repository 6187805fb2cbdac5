/**
 * Brings BN scales to the optimizer's step size before sparse training
 * (docs/METHOD.md §3.2, the design that froze channels at zero in the reference runs):
 * Adam moves a parameter by about the learning rate per step, so γ ≈ 1 cannot
 * reach zero within a short budget, while γ ≈ 0.1 can.
 *
 * Every member BN of a group is multiplied by `factor` (γ and β). The scaled
 * output reaches the group's consumers through positively homogeneous layers
 * (ReLU, pooling, Add of scaled inputs...), where the function is restored:
 * a consumer followed by BN absorbs the scale (its moving statistics are
 * adjusted, exact up to BN's ε), any other consumer's kernel rows are divided
 * by `factor`. Groups whose channels pass a non-homogeneous layer (ReLU6,
 * sigmoid...) are left as they are: the proximal step is scaled for them.
 */
import type { LayerSpec, ModelSpec } from '../core/types';
import type { ChannelGroup, ModelAnalysis } from '../../contract/analysis';
import { DEFAULT_GAMMA_SCALE } from '../../contract/settings';
import { cloneSpec } from '../io/modelSpec';


export interface RescaleResult {
  spec: ModelSpec;
  /** Keys of the groups that were rescaled. */
  rescaled: string[];
  /** Groups left at their scale, with the layer that stopped them. */
  skipped: { group: string; reason: string }[];
}

const HOMOGENEOUS = new Set(['MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'Dropout', 'SpatialDropout2D', 'ZeroPadding2D', 'LeakyReLU', 'Add']);
const CONSUMERS = new Set(['Conv2D', 'Dense', 'DepthwiseConv2D']);

function isHomogeneous(layer: LayerSpec): boolean {
  if (HOMOGENEOUS.has(layer.className)) return true;
  if (layer.className === 'Activation') return ['relu', 'linear'].includes(String(layer.config.activation));
  if (layer.className === 'ReLU') return layer.config.max_value == null && !Number(layer.config.threshold ?? 0);
  return false;
}

export function rescaleGammaForOptimizer(spec: ModelSpec, analysis: ModelAnalysis, factor = DEFAULT_GAMMA_SCALE): RescaleResult {
  const result = cloneSpec(spec);
  const layers = new Map(result.layers.map((layer) => [layer.name, layer]));
  const readers = (name: string) => result.layers.filter((layer) => layer.inbound.includes(name));
  const rescaled: string[] = [];
  const skipped: RescaleResult['skipped'] = [];
  for (const group of analysis.groups.filter((g) => g.prunable)) {
    const plan = planGroup(group, layers, readers);
    if ('reason' in plan) {
      skipped.push({ group: group.key, reason: plan.reason });
      continue;
    }
    for (const bn of plan.normalizations) scaleVectors(bn, ['gamma', 'beta'], factor);
    for (const consumer of plan.consumers) restoreConsumer(consumer, readers(consumer.name), factor, group, analysis);
    rescaled.push(group.key);
  }
  return { spec: result, rescaled, skipped };
}

/** The group's BNs and, walking downstream through homogeneous layers, its consumers. */
function planGroup(group: ChannelGroup, layers: Map<string, LayerSpec>, readers: (name: string) => LayerSpec[]): { normalizations: LayerSpec[]; consumers: LayerSpec[] } | { reason: string } {
  const normalizations = group.members.map((member) => (member.bn ? layers.get(member.bn)! : undefined));
  if (normalizations.some((bn) => !bn || !bn.weights.gamma)) return { reason: 'a member has no BN scale γ' };
  const consumers = new Map<string, LayerSpec>();
  const memberBns = new Set(normalizations.map((bn) => bn!.name));
  const queue = [...memberBns];
  const seen = new Set(queue);
  while (queue.length) {
    for (const reader of readers(queue.shift()!)) {
      if (seen.has(reader.name)) continue;
      seen.add(reader.name);
      if (CONSUMERS.has(reader.className)) {
        consumers.set(reader.name, reader);
        continue;
      }
      if (reader.className === 'BatchNormalization' && memberBns.has(reader.name)) continue;
      if (!isHomogeneous(reader)) return { reason: `its channels pass ${reader.className} '${reader.name}', which does not commute with scaling` };
      queue.push(reader.name);
    }
  }
  for (const name of seen) {
    const layer = layers.get(name)!;
    if (layer.className === 'Add' && !layer.inbound.every((inbound) => seen.has(inbound))) {
      return { reason: `Add '${layer.name}' joins channels that are not all rescaled` };
    }
  }
  return { normalizations: normalizations as LayerSpec[], consumers: [...consumers.values()] };
}

function scaleVectors(layer: LayerSpec, keys: string[], factor: number): void {
  for (const key of keys) {
    const weight = layer.weights[key];
    if (weight) weight.values.forEach((value, i) => (weight.values[i] = value * factor));
  }
}

/** Undoes the scale at a consumer: in the BN that follows it, or in its kernel rows of the group's channels. */
function restoreConsumer(consumer: LayerSpec, consumerReaders: LayerSpec[], factor: number, group: ChannelGroup, analysis: ModelAnalysis): void {
  const next = consumerReaders.length === 1 && consumerReaders[0].className === 'BatchNormalization' ? consumerReaders[0] : undefined;
  const input = analysis.layers.find((layer) => layer.name === consumer.inbound[0]);
  const onlyThisGroup = input?.layout.kind === 'channels' && input.layout.segments.every((segment) => segment.group === group.key);
  if (next && onlyThisGroup && next.weights.moving_mean) {
    const bias = consumer.weights.bias?.values;
    next.weights.moving_mean.values.forEach((mean, i) => {
      const offset = bias?.[i] ?? 0;
      next.weights.moving_mean.values[i] = factor * (mean - offset) + offset;
    });
    scaleVectors(next, ['moving_variance'], factor * factor);
    return;
  }
  const kernel = consumer.weights.kernel ?? consumer.weights.depthwise_kernel;
  const rows = groupChannelMask(input, group.key, kernel.shape[kernel.shape.length - 2]);
  const outputs = kernel.shape[kernel.shape.length - 1];
  kernel.values.forEach((value, index) => {
    if (rows[Math.floor(index / outputs) % rows.length]) kernel.values[index] = value / factor;
  });
}

/** For each input feature of a consumer, whether it carries a channel of the group. */
function groupChannelMask(input: ModelAnalysis['layers'][number] | undefined, key: string, features: number): boolean[] {
  if (!input || input.layout.kind === 'opaque') return new Array(features).fill(true);
  const perPosition = input.layout.segments.flatMap((segment) => new Array<boolean>(segment.size).fill(segment.group === key));
  return Array.from({ length: features }, (_, feature) => perPosition[feature % perPosition.length]);
}
