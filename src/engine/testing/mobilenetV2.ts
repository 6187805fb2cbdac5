/**
 * MobileNetV2 as Keras lays it out (Sandler et al. 2018): a stride-2 stem, 17
 * inverted residual blocks (expand 1×1 → ReLU6 → depthwise 3×3 → ReLU6 →
 * project 1×1, with an Add where shapes allow), a 1×1 head, pooling and a
 * classifier: 156 layers with Keras's names. Channel counts are scaled by
 * `alpha` (0.35, the smallest Keras ships, by default), and the head's 1280
 * channels too, so tests stay small; the topology is
 * the full one.
 */
import * as tf from '@tensorflow/tfjs';

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, input: Sym | Sym[]): Sym => layer.apply(input) as Sym;

/** (expansion, output channels, repeats, first stride) of each stage. */
const STAGES: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Keras's rounding of scaled widths: to a multiple of 8, never more than 10% below the scaled width. */
function divisible(channels: number): number {
  const rounded = Math.max(8, Math.floor((channels + 4) / 8) * 8);
  return rounded < 0.9 * channels ? rounded + 8 : rounded;
}

export interface MobileNetV2Options {
  inputShape: [number, number, number];
  numClasses: number;
  /** Width multiplier (Keras's `alpha`). */
  alpha?: number;
}

export function mobilenetV2({ inputShape, numClasses, alpha = 0.35 }: MobileNetV2Options): tf.LayersModel {
  let seed = 1;
  const init = () => tf.initializers.heNormal({ seed: seed++ });
  const bn = (name: string) => tf.layers.batchNormalization({ name, epsilon: 1e-3, momentum: 0.999 });
  const relu6 = (name: string) => tf.layers.reLU({ name, maxValue: 6 });
  const conv = (name: string, filters: number, kernelSize: number, strides = 1) =>
    tf.layers.conv2d({ name, filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: init() });
  const depthwise = (name: string, strides: number) =>
    tf.layers.depthwiseConv2d({ name, kernelSize: 3, strides, padding: strides === 2 ? 'valid' : 'same', useBias: false, depthwiseInitializer: init() });

  const input = tf.input({ shape: inputShape, name: 'input_1' });
  let x = apply(relu6('Conv1_relu'), apply(bn('bn_Conv1'), apply(conv('Conv1', divisible(32 * alpha), 3, 2), input)));
  let channels = divisible(32 * alpha);
  let block = 0;
  for (const [expansion, outputs, repeats, firstStride] of STAGES) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      const strides = repeat === 0 ? firstStride : 1;
      const filters = divisible(outputs * alpha);
      const prefix = block === 0 ? 'expanded_conv_' : `block_${block}_`;
      const shortcut = x;
      let y = x;
      if (expansion !== 1) y = apply(relu6(`${prefix}expand_relu`), apply(bn(`${prefix}expand_BN`), apply(conv(`${prefix}expand`, channels * expansion, 1), y)));
      if (strides === 2) y = apply(tf.layers.zeroPadding2d({ name: `${prefix}pad`, padding: [[0, 1], [0, 1]] }), y);
      y = apply(relu6(`${prefix}depthwise_relu`), apply(bn(`${prefix}depthwise_BN`), apply(depthwise(`${prefix}depthwise`, strides), y)));
      y = apply(bn(`${prefix}project_BN`), apply(conv(`${prefix}project`, filters, 1), y));
      x = strides === 1 && channels === filters ? apply(tf.layers.add({ name: `${prefix}add` }), [shortcut, y]) : y;
      channels = filters;
      block++;
    }
  }
  x = apply(relu6('out_relu'), apply(bn('Conv_1_bn'), apply(conv('Conv_1', divisible(1280 * alpha), 1), x)));
  x = apply(tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
  const output = apply(tf.layers.dense({ name: 'predictions', units: numClasses, activation: 'softmax', kernelInitializer: init() }), x);
  return tf.model({ inputs: input, outputs: output, name: 'mobilenetv2' });
}
