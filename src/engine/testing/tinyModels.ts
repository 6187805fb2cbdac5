/** Tiny models for tests, one per awkward topology. Built with tfjs, read into specs. */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../core/types';
import { seededRandom } from '../core/random';
import { specFromModel } from '../io/modelSpec';

const conv = (name: string, filters: number, kernelSize: number, useBias = false) =>
  tf.layers.conv2d({ name, filters, kernelSize, padding: 'same', useBias, kernelInitializer: tf.initializers.glorotUniform({ seed: name.length * 7 + filters }) });
const bn = (name: string) => tf.layers.batchNormalization({ name });
const classifier = (units: number, activation?: 'softmax') =>
  tf.layers.dense({ name: 'fc', units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: 99 }) });
const relu = (name: string) => tf.layers.activation({ name, activation: 'relu' });

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, input: Sym | Sym[]): Sym => layer.apply(input) as Sym;

async function finish(input: Sym, output: Sym, name: string): Promise<ModelSpec> {
  const model = tf.model({ inputs: input, outputs: output, name });
  const spec = randomizeNormalization(await specFromModel(model));
  model.dispose();
  return spec;
}

/** Gives every BN non-trivial γ, β and statistics, so that tests see real effects. */
export function randomizeNormalization(spec: ModelSpec, seed = 3): ModelSpec {
  const random = seededRandom(seed);
  for (const layer of spec.layers.filter((l) => l.className === 'BatchNormalization')) {
    const w = layer.weights;
    w.gamma.values.forEach((_, i) => (w.gamma.values[i] = 0.5 + random()));
    w.beta.values.forEach((_, i) => (w.beta.values[i] = random() - 0.3));
    w.moving_mean.values.forEach((_, i) => (w.moving_mean.values[i] = (random() - 0.5) * 0.2));
    w.moving_variance.values.forEach((_, i) => (w.moving_variance.values[i] = 0.5 + random()));
  }
  return spec;
}

/** conv 3×3 → BN → relu → maxpool → flatten → dense: Flatten→Dense slicing. */
export function flattenModel(filters = 4): Promise<ModelSpec> {
  const input = tf.input({ shape: [6, 6, 2], name: 'input' });
  let x = apply(conv('conv1', filters, 3), input);
  x = apply(relu('relu1'), apply(bn('bn1'), x));
  x = apply(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }), x);
  x = apply(tf.layers.flatten({ name: 'flatten' }), x);
  return finish(input, apply(classifier(5, 'softmax'), x), 'flatten_model');
}

/** conv 3×3 → BN → relu → conv k×k → BN → relu → GAP → dense. k = 1: no padding seen. */
export function twoConvModel(secondKernel: number): Promise<ModelSpec> {
  const input = tf.input({ shape: [6, 6, 2], name: 'input' });
  let x = apply(relu('relu1'), apply(bn('bn1'), apply(conv('conv1', 6, 3), input)));
  x = apply(relu('relu2'), apply(bn('bn2'), apply(conv('conv2', 5, secondKernel), x)));
  x = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  return finish(input, apply(classifier(3), x), `two_conv_${secondKernel}`);
}

/** A residual block: conv a → BN → relu ─┬─ conv b → BN ─ Add → relu → GAP → dense. */
export function residualModel(): Promise<ModelSpec> {
  const input = tf.input({ shape: [6, 6, 2], name: 'input' });
  const a = apply(relu('relu_a'), apply(bn('bn_a'), apply(conv('conv_a', 4, 3), input)));
  const b = apply(bn('bn_b'), apply(conv('conv_b', 4, 3), a));
  let x = apply(relu('relu_sum'), apply(tf.layers.add({ name: 'add' }), [a, b]));
  x = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  return finish(input, apply(classifier(3), x), 'residual_model');
}

/** conv → BN → relu6 → depthwise 3×3 → BN → relu → pointwise 1×1 → BN → relu → GAP → dense. */
export function depthwiseModel(): Promise<ModelSpec> {
  const input = tf.input({ shape: [6, 6, 2], name: 'input' });
  let x = apply(tf.layers.reLU({ name: 'relu1', maxValue: 6 }), apply(bn('bn1'), apply(conv('conv1', 4, 3), input)));
  x = apply(tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 5 }) }), x);
  x = apply(relu('relu_dw'), apply(bn('bn_dw'), x));
  x = apply(relu('relu_pw'), apply(bn('bn_pw'), apply(conv('pw', 6, 1), x)));
  x = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  return finish(input, apply(classifier(3), x), 'depthwise_model');
}

/** Two branches concatenated, read by a 1×1 conv. */
export function concatModel(): Promise<ModelSpec> {
  const input = tf.input({ shape: [6, 6, 2], name: 'input' });
  const a = apply(relu('relu_a'), apply(bn('bn_a'), apply(conv('conv_a', 3, 3), input)));
  const b = apply(relu('relu_b'), apply(bn('bn_b'), apply(conv('conv_b', 2, 1), input)));
  let x = apply(tf.layers.concatenate({ name: 'concat' }), [a, b]);
  x = apply(relu('relu_c'), apply(bn('bn_c'), apply(conv('conv_c', 4, 1, true), x)));
  x = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  return finish(input, apply(classifier(3), x), 'concat_model');
}

/** A plain conv group before a residual block: conv p → BN → relu → [conv a → BN → relu ─┬─ conv b → BN ─ Add] → relu → GAP → dense. */
export function plainThenResidualModel(): Promise<ModelSpec> {
  const input = tf.input({ shape: [6, 6, 2], name: 'input' });
  const p = apply(relu('relu_p'), apply(bn('bn_p'), apply(conv('conv_p', 4, 3), input)));
  const a = apply(relu('relu_a'), apply(bn('bn_a'), apply(conv('conv_a', 4, 3), p)));
  const b = apply(bn('bn_b'), apply(conv('conv_b', 4, 3), a));
  let x = apply(relu('relu_sum'), apply(tf.layers.add({ name: 'add' }), [a, b]));
  x = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  return finish(input, apply(classifier(3), x), 'plain_then_residual_model');
}
