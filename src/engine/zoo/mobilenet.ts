import * as tf from '@tensorflow/tfjs';
import {
  applyTo, batchNorm, checkOptions, classifier, DEFAULT_SEED, inputLayer, relu6, SeedSequence, type ZooOptions,
} from './common';

const STEM_FILTERS = 16;

/** Depthwise-separable blocks: pointwise output channels and depthwise stride. */
const BLOCKS: { filters: number; strides: number }[] = [
  { filters: 32, strides: 2 },
  { filters: 32, strides: 1 },
  { filters: 64, strides: 2 },
  { filters: 64, strides: 1 },
  { filters: 128, strides: 2 },
  { filters: 128, strides: 1 },
];

/**
 * Depthwise 3x3 → BN → ReLU6 → pointwise 1x1 → BN → ReLU6. A depthwise conv
 * maps channel i to channel i: its input and output channels are coupled.
 * No conv biases, as in MobileNet: the BN that follows supplies the offset.
 */
function separableBlock(
  x: tf.SymbolicTensor, index: number, filters: number, strides: number, seeds: SeedSequence,
): tf.SymbolicTensor {
  const dw = tf.layers.depthwiseConv2d({
    kernelSize: 3, strides, padding: 'same', depthMultiplier: 1, useBias: false,
    depthwiseInitializer: seeds.he(), name: `dw${index}`,
  });
  let y = applyTo(dw, x);
  y = applyTo(batchNorm(`dw${index}_bn`), y);
  y = applyTo(relu6(`dw${index}_relu`), y);
  const pw = tf.layers.conv2d({
    filters, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: seeds.he(), name: `pw${index}`,
  });
  y = applyTo(pw, y);
  y = applyTo(batchNorm(`pw${index}_bn`), y);
  return applyTo(relu6(`pw${index}_relu`), y);
}

/**
 * Small MobileNet-style: stem conv 3x3 (16) → BN → ReLU6, six depthwise-
 * separable blocks (32, 32, 64, 64, 128, 128 channels; stride 2 at the first
 * of each width), then global average pooling → dense softmax.
 */
export function mobilenet(options: ZooOptions): tf.LayersModel {
  checkOptions('mobilenet', options, 4);
  const seeds = new SeedSequence(options.seed ?? DEFAULT_SEED);
  const input = inputLayer(options);
  const stem = tf.layers.conv2d({
    filters: STEM_FILTERS, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: seeds.he(), name: 'stem_conv',
  });
  let x = applyTo(stem, input);
  x = applyTo(batchNorm('stem_bn'), x);
  x = applyTo(relu6('stem_relu'), x);
  BLOCKS.forEach(({ filters, strides }, i) => {
    x = separableBlock(x, i + 1, filters, strides, seeds);
  });
  x = applyTo(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  return tf.model({ inputs: input, outputs: classifier(x, options, seeds), name: 'mobilenet' });
}
