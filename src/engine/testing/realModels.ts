/**
 * tfjs models shaped like the ones users bring (ResNet stages, MobileNetV2
 * inverted residuals, Concatenate, BN variants, nested models), kept tiny.
 */
import * as tf from '@tensorflow/tfjs';

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, input: Sym | Sym[]): Sym => layer.apply(input) as Sym;
const seed = (name: string): number => [...name].reduce((sum, c) => sum + c.charCodeAt(0), 0);
const conv = (name: string, filters: number, kernelSize: number, strides = 1, padding: 'same' | 'valid' = 'same', trainable = true) =>
  tf.layers.conv2d({ name, filters, kernelSize, strides, padding, useBias: false, trainable, kernelInitializer: tf.initializers.glorotUniform({ seed: seed(name) }) });
const bn = (name: string, options: { center?: boolean; scale?: boolean } = {}) =>
  tf.layers.batchNormalization({ name, ...options, gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: seed(name) }), betaInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.3, seed: seed(name) + 1 }), movingVarianceInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: seed(name) + 2 }) });
const relu6 = (name: string) => tf.layers.reLU({ name, maxValue: 6 });
const head = (x: Sym, classes = 3): Sym =>
  apply(tf.layers.dense({ name: 'fc', units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) }), apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x));

/**
 * Two ResNet stages: a stem, an identity block, then a stride-2 block whose
 * shortcut is a fixed (non-trainable) 1×1 convolution, and whose main path
 * pads with ZeroPadding2D before a valid stride-2 convolution.
 */
export function resnetStages(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'image' });
  const stem = apply(tf.layers.activation({ name: 'stem_relu', activation: 'relu' }), apply(bn('stem_bn'), apply(conv('stem_conv', 4, 3), input)));
  let x = apply(tf.layers.activation({ name: 'b1_relu', activation: 'relu' }), apply(bn('b1_bn1'), apply(conv('b1_conv1', 4, 3), stem)));
  x = apply(bn('b1_bn2'), apply(conv('b1_conv2', 4, 3), x));
  const block1 = apply(tf.layers.activation({ name: 'b1_out', activation: 'relu' }), apply(tf.layers.add({ name: 'b1_add' }), [stem, x]));
  let y = apply(tf.layers.zeroPadding2d({ name: 'b2_pad', padding: [[1, 1], [1, 1]] }), block1);
  y = apply(tf.layers.activation({ name: 'b2_relu', activation: 'relu' }), apply(bn('b2_bn1'), apply(conv('b2_conv1', 6, 3, 2, 'valid'), y)));
  y = apply(tf.layers.dropout({ name: 'b2_drop', rate: 0.2 }), y);
  y = apply(bn('b2_bn2'), apply(conv('b2_conv2', 6, 3), y));
  const shortcut = apply(conv('b2_short', 6, 1, 2, 'same', false), block1);
  const out = apply(tf.layers.activation({ name: 'b2_out', activation: 'relu' }), apply(tf.layers.add({ name: 'b2_add' }), [shortcut, y]));
  return tf.model({ inputs: input, outputs: head(out), name: 'resnet_stages' });
}

/** MobileNetV2: expand 1×1 → ReLU6 → depthwise 3×3 → ReLU6 → project 1×1 (linear) + residual. */
export function invertedResiduals(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'image' });
  const stem = apply(relu6('stem_relu6'), apply(bn('stem_bn'), apply(conv('stem_conv', 4, 3), input)));
  let x = apply(relu6('ir_expand_relu6'), apply(bn('ir_expand_bn'), apply(conv('ir_expand', 8, 1), stem)));
  x = apply(tf.layers.depthwiseConv2d({ name: 'ir_dw', kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 4 }) }), x);
  x = apply(relu6('ir_dw_relu6'), apply(bn('ir_dw_bn'), x));
  x = apply(bn('ir_project_bn'), apply(conv('ir_project', 4, 1), x));
  const out = apply(tf.layers.add({ name: 'ir_add' }), [stem, x]);
  return tf.model({ inputs: input, outputs: head(out), name: 'inverted_residuals' });
}

/** Inception-like branches joined by Concatenate, with BN center:false on one branch. */
export function concatBranches(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'image' });
  const a = apply(tf.layers.activation({ name: 'a_relu', activation: 'relu' }), apply(bn('a_bn', { center: false }), apply(conv('a_conv', 3, 3), input)));
  const b = apply(tf.layers.activation({ name: 'b_relu', activation: 'relu' }), apply(bn('b_bn'), apply(conv('b_conv', 5, 1), input)));
  let x = apply(tf.layers.concatenate({ name: 'concat' }), [a, b]);
  x = apply(tf.layers.activation({ name: 'c_relu', activation: 'relu' }), apply(bn('c_bn'), apply(conv('c_conv', 4, 1), x)));
  return tf.model({ inputs: input, outputs: head(x), name: 'concat_branches' });
}

/** A BN without γ (scale: false): its channels cannot be scored by γ. */
export function scalelessBn(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'image' });
  let x = apply(tf.layers.activation({ name: 'a_relu', activation: 'relu' }), apply(bn('a_bn', { scale: false }), apply(conv('a_conv', 4, 3), input)));
  x = apply(tf.layers.activation({ name: 'b_relu', activation: 'relu' }), apply(bn('b_bn'), apply(conv('b_conv', 4, 3), x)));
  return tf.model({ inputs: input, outputs: head(x), name: 'scaleless_bn' });
}

/** A functional model that calls a nested Sequential feature extractor. */
export function nestedSequential(): tf.LayersModel {
  const features = tf.sequential({ name: 'features', layers: [
    tf.layers.conv2d({ name: 'inner_conv', inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
    bn('inner_bn'),
    tf.layers.activation({ name: 'inner_relu', activation: 'relu' }),
  ] });
  const input = tf.input({ shape: [8, 8, 3], name: 'image' });
  let x = features.apply(input) as Sym;
  x = apply(tf.layers.activation({ name: 'outer_relu', activation: 'relu' }), apply(bn('outer_bn'), apply(conv('outer_conv', 4, 3), x)));
  return tf.model({ inputs: input, outputs: head(x), name: 'nested_model' });
}
