/**
 * Compensation of removed channels (docs/METHOD.md §5.3). A channel whose
 * folded BN scale γ' is zero outputs the constant β' at its BN, and a known
 * constant after activations, pooling and additions. Its contribution to each
 * consumer (Conv2D, Dense) is then a constant per output unit: add it to the
 * consumer's bias, or subtract it from the moving mean of the BN that follows
 * a bias-free consumer. Exact where the consumer sees no padding.
 */
import type { LayerSpec, ModelSpec } from '../core/types';
import { vector } from '../core/weightArrays';
import type { LayerInfo, ModelAnalysis } from '../../contract/analysis';
import type { PrunePlan } from '../../contract/plan';
import { handlerFor } from '../graph/handlers';
import { cloneSpec } from '../io/modelSpec';
import { keptIndices } from './plan';

type ConstantOf = (layerName: string, channel: number) => number | undefined;

export function compensateRemovedChannels(spec: ModelSpec, analysis: ModelAnalysis, plan: PrunePlan): ModelSpec {
  const result = cloneSpec(spec);
  const layers = new Map(result.layers.map((layer) => [layer.name, layer]));
  const infos = new Map(analysis.layers.map((info) => [info.name, info]));
  const constantOf = constantPropagation(layers, infos);
  for (const consumer of result.layers) {
    if (consumer.className !== 'Conv2D' && consumer.className !== 'Dense') continue;
    const input = infos.get(consumer.inbound[0]);
    if (!input || input.layout.kind === 'opaque' || !input.outputShape) continue;
    const removed = removedFeatures(input, plan);
    if (removed.length === 0) continue;
    const delta = consumerDelta(consumer, input, removed, constantOf);
    if (delta) absorbDelta(result, consumer, delta);
  }
  return result;
}

/** Indices along the input's last axis that the plan removes. */
function removedFeatures(input: LayerInfo, plan: PrunePlan): number[] {
  const count = input.outputShape![input.outputShape!.length - 1];
  const kept = new Set(keptIndices(input.layout, plan, count));
  return Array.from({ length: count }, (_, index) => index).filter((index) => !kept.has(index));
}

/** Per output unit, the removed inputs' constant contribution; undefined if none is known. */
function consumerDelta(consumer: LayerSpec, input: LayerInfo, removed: number[], constantOf: ConstantOf): Float32Array | undefined {
  const kernel = consumer.weights.kernel;
  const outputs = kernel.shape[kernel.shape.length - 1];
  const inputs = kernel.shape[kernel.shape.length - 2];
  const taps = kernel.values.length / (inputs * outputs);
  const channels = input.layout.kind === 'flat' ? input.layout.segments.reduce((sum, s) => sum + s.size, 0) : inputs;
  const delta = new Float32Array(outputs);
  let any = false;
  for (const feature of removed) {
    const value = constantOf(input.name, feature % channels);
    if (value === undefined || value === 0) continue;
    any = true;
    for (let tap = 0; tap < taps; tap++) {
      const row = (tap * inputs + feature) * outputs;
      for (let out = 0; out < outputs; out++) delta[out] += value * kernel.values[row + out];
    }
  }
  return any ? delta : undefined;
}

function absorbDelta(spec: ModelSpec, consumer: LayerSpec, delta: Float32Array): void {
  if (consumer.weights.bias) {
    delta.forEach((value, index) => (consumer.weights.bias.values[index] += value));
    return;
  }
  const readers = spec.layers.filter((layer) => layer.inbound.includes(consumer.name));
  const bn = readers.length === 1 && readers[0].className === 'BatchNormalization' ? readers[0] : undefined;
  if (bn?.weights.moving_mean) {
    delta.forEach((value, index) => (bn.weights.moving_mean.values[index] -= value));
    return;
  }
  consumer.weights.bias = vector(delta);
  consumer.config.use_bias = true;
}

/** The constant each channel of a layer's output holds once removed, where known. */
function constantPropagation(layers: Map<string, LayerSpec>, infos: Map<string, LayerInfo>): ConstantOf {
  const memo = new Map<string, number | undefined>();
  const constantOf: ConstantOf = (name, channel) => {
    const key = `${name}#${channel}`;
    if (!memo.has(key)) memo.set(key, compute(name, channel));
    return memo.get(key);
  };
  const compute = (name: string, channel: number): number | undefined => {
    const layer = layers.get(name)!;
    if (layer.className === 'BatchNormalization') return layer.weights.beta?.values[channel] ?? 0;
    const found = handlerFor(layer);
    if ('reason' in found) return undefined;
    const { handler } = found;
    switch (handler.role) {
      case 'pass': {
        const value = constantOf(layer.inbound[0], channel);
        return value === undefined ? undefined : handler.constant?.(layer, value);
      }
      case 'flatten': {
        const input = infos.get(layer.inbound[0])!;
        const channels = input.outputShape![input.outputShape!.length - 1];
        return constantOf(layer.inbound[0], channel % channels);
      }
      case 'add': {
        const values = layer.inbound.map((inbound) => constantOf(inbound, channel));
        return values.every((value): value is number => value !== undefined) ? values.reduce((a, b) => a + b, 0) : undefined;
      }
      case 'concat': {
        let offset = channel;
        for (const inbound of layer.inbound) {
          const shape = infos.get(inbound)!.outputShape!;
          const size = shape[shape.length - 1];
          if (offset < size) return constantOf(inbound, offset);
          offset -= size;
        }
        return undefined;
      }
      case 'depthwise': {
        const value = constantOf(layer.inbound[0], channel);
        if (value === undefined) return undefined;
        const kernel = layer.weights.depthwise_kernel;
        const channels = kernel.shape[2];
        let tapSum = 0;
        for (let index = channel; index < kernel.values.length; index += channels) tapSum += kernel.values[index];
        return value * tapSum + (layer.weights.bias?.values[channel] ?? 0);
      }
      default:
        return undefined;
    }
  };
  return constantOf;
}
