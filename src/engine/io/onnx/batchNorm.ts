/**
 * BatchNormalizations that an export folded away, rebuilt (docs/METHOD.md §11.3). PyTorch's eval-mode export
 * folds every BN into the convolution before it, and the method reads BN scales: a channel without a BN after it
 * cannot be pruned. Each convolution that lost its BN gets one that changes nothing:
 *
 *   BN(x) = γ·(x − μ)/√(σ² + ε) + β   with   γ = √(σ² + ε), β = μ   ⇒   BN(x) = x   for any μ, σ².
 *
 * The import gives μ = 0, σ² = 1 (γ = √(1 + ε) for every channel); `measureRebuiltBatchNorms` then sets μ and σ²
 * to each channel's mean and variance on the user's images, so that γ is the channel's spread, as a trained BN's
 * would be, and β its mean: what a channel removed from the model is compensated with.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset, LayerSpec, ModelSpec } from '../../core/types';
import { modelFromSpec } from '../modelSpec';

export const REBUILT_BN_EPSILON = 1e-3;

const CONVOLUTIONS = new Set(['Conv2D', 'DepthwiseConv2D']);

function identityWeights(mean: ArrayLike<number>, variance: ArrayLike<number>): LayerSpec['weights'] {
  const channels = mean.length;
  const shape = [channels];
  return {
    gamma: { shape, values: Float32Array.from({ length: channels }, (_, c) => Math.sqrt(variance[c] + REBUILT_BN_EPSILON)) },
    beta: { shape, values: Float32Array.from(mean) },
    moving_mean: { shape, values: Float32Array.from(mean) },
    moving_variance: { shape, values: Float32Array.from(variance) },
  };
}

/** A BN after every convolution that no BN reads (except `skip` and the model's outputs); the model computes the same. */
export function rebuildBatchNorms(spec: ModelSpec, skip: ReadonlySet<string> = new Set()): { spec: ModelSpec; rebuilt: string[] } {
  const names = new Set(spec.layers.map((layer) => layer.name));
  const layers: LayerSpec[] = [];
  const rebuilt: string[] = [];
  const renamed = new Map<string, string>();
  for (const layer of spec.layers) {
    layers.push({ ...layer, inbound: layer.inbound.map((name) => renamed.get(name) ?? name) });
    const readers = spec.layers.filter((other) => other.inbound.includes(layer.name));
    if (!CONVOLUTIONS.has(layer.className) || skip.has(layer.name) || spec.outputs.includes(layer.name)) continue;
    if (readers.some((reader) => reader.className === 'BatchNormalization') || String(layer.config.activation ?? 'linear') !== 'linear') continue;
    let name = `${layer.name}_bn`;
    for (let n = 2; names.has(name); n++) name = `${layer.name}_bn_${n}`;
    names.add(name);
    const channels = Number(layer.className === 'Conv2D' ? layer.config.filters : layer.weights.depthwise_kernel.shape[2]);
    layers.push({
      name,
      className: 'BatchNormalization',
      config: { name, trainable: true, axis: -1, epsilon: REBUILT_BN_EPSILON, momentum: 0.99, center: true, scale: true },
      inbound: [layer.name],
      weights: identityWeights(new Float32Array(channels), new Float32Array(channels).fill(1)),
    });
    renamed.set(layer.name, name);
    rebuilt.push(name);
  }
  return { spec: { ...spec, layers }, rebuilt };
}

/**
 * The rebuilt BNs with μ and σ² measured: each channel's mean and variance over the images (NHWC, scaled as the
 * model takes them) and every position. Still the identity; the outputs do not change.
 */
export async function measureRebuiltBatchNorms(spec: ModelSpec, rebuilt: readonly string[], images: Float32Array, shape: [number, number, number, number], batchSize = 32): Promise<ModelSpec> {
  if (rebuilt.length === 0) return spec;
  const model = await modelFromSpec(spec);
  const probe = tf.model({ inputs: model.inputs, outputs: rebuilt.map((name) => model.getLayer(name).input as tf.SymbolicTensor) });
  const [count, height, width, channels] = shape;
  const sums = rebuilt.map(() => ({ sum: new Float64Array(0), squares: new Float64Array(0), n: 0 }));
  try {
    for (let start = 0; start < count; start += batchSize) {
      const end = Math.min(count, start + batchSize);
      const per = height * width * channels;
      const batch = tf.tensor4d(images.subarray(start * per, end * per), [end - start, height, width, channels]);
      const outputs = tf.tidy(() => {
        const result = probe.predict(batch);
        return (Array.isArray(result) ? result : [result]).map((output) => {
          const flat = output.reshape([-1, output.shape[output.shape.length - 1]!]);
          return [flat.sum(0), flat.square().sum(0), tf.scalar(flat.shape[0])] as tf.Tensor[];
        });
      });
      batch.dispose();
      for (const [index, [sum, squares, n]] of outputs.entries()) {
        const [s, q, k] = await Promise.all([sum.data(), squares.data(), n.data()]);
        const entry = sums[index];
        if (entry.n === 0) Object.assign(entry, { sum: new Float64Array(s.length), squares: new Float64Array(s.length) });
        s.forEach((value, c) => { entry.sum[c] += value; entry.squares[c] += q[c]; });
        entry.n += k[0];
      }
      tf.dispose(outputs.flat());
    }
  } finally {
    model.dispose();
  }
  const byName = new Map(rebuilt.map((name, index) => [name, sums[index]]));
  return {
    ...spec,
    layers: spec.layers.map((layer) => {
      const entry = byName.get(layer.name);
      if (!entry || entry.n === 0) return layer;
      const mean = Array.from(entry.sum, (s) => s / entry.n);
      const variance = Array.from(entry.squares, (q, c) => Math.max(0, q / entry.n - mean[c] * mean[c]));
      return { ...layer, weights: identityWeights(mean, variance) };
    }),
  };
}

/** Images the rebuilt BatchNormalizations are measured on: the first of the data, as scaled for the model. */
export const BN_MEASURE_IMAGES = 512;

/**
 * The rebuilt BNs' statistics measured on the first images of `data` (docs/METHOD.md §11.3), so that γ is each
 * channel's spread; the model computes the same. Shared by the CLI and the studio.
 */
export async function measureRebuiltOn(spec: ModelSpec, rebuilt: readonly string[], data: ImageDataset): Promise<ModelSpec> {
  if (rebuilt.length === 0) return spec;
  const count = Math.min(data.count, BN_MEASURE_IMAGES);
  const images = data.images.subarray(0, count * data.height * data.width * data.channels);
  return measureRebuiltBatchNorms(spec, rebuilt, images, [count, data.height, data.width, data.channels]);
}
