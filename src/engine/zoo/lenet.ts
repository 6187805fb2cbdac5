import * as tf from '@tensorflow/tfjs';
import {
  applyTo, batchNorm, checkOptions, classifier, DEFAULT_SEED, inputLayer, relu, SeedSequence, type ZooOptions,
} from './common';

/**
 * LeNet-style: conv 5x5 (8) → BN → ReLU → pool → conv 5x5 (16) → BN → ReLU →
 * pool → flatten → dense 64 → BN → ReLU → dense softmax. Valid padding, as in
 * the original, so images must be at least 16x16.
 */
export function lenet(options: ZooOptions): tf.LayersModel {
  checkOptions('lenet', options, 16);
  const seeds = new SeedSequence(options.seed ?? DEFAULT_SEED);
  const input = inputLayer(options);
  let x = input;
  for (const [i, filters] of [[1, 8], [2, 16]] as const) {
    const conv = tf.layers.conv2d({
      filters, kernelSize: 5, padding: 'valid', kernelInitializer: seeds.he(), name: `conv${i}`,
    });
    x = applyTo(conv, x);
    x = applyTo(batchNorm(`bn${i}`), x);
    x = applyTo(relu(`relu${i}`), x);
    x = applyTo(tf.layers.maxPooling2d({ poolSize: 2, name: `pool${i}` }), x);
  }
  x = applyTo(tf.layers.flatten({ name: 'flatten' }), x);
  x = applyTo(tf.layers.dense({ units: 64, kernelInitializer: seeds.he(), name: 'fc1' }), x);
  x = applyTo(batchNorm('bn3'), x);
  x = applyTo(relu('relu3'), x);
  return tf.model({ inputs: input, outputs: classifier(x, options, seeds), name: 'lenet' });
}
