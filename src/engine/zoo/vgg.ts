import * as tf from '@tensorflow/tfjs';
import {
  applyTo, batchNorm, checkOptions, classifier, DEFAULT_SEED, inputLayer, relu, SeedSequence, type ZooOptions,
} from './common';

const STAGE_FILTERS = [16, 32, 64];
const CONVS_PER_STAGE = 2;

/**
 * Small VGG-style: three stages of two 3x3 'same' convs (16, 32, 64 channels),
 * each conv → BN → ReLU, max pooling after each stage, then flatten → dense 64
 * → BN → ReLU → dense softmax. The Flatten → Dense step is kept on purpose:
 * pruning the last conv must slice the dense kernel's rows.
 */
export function vgg(options: ZooOptions): tf.LayersModel {
  checkOptions('vgg', options, 8);
  const seeds = new SeedSequence(options.seed ?? DEFAULT_SEED);
  const input = inputLayer(options);
  let x = input;
  STAGE_FILTERS.forEach((filters, s) => {
    for (let c = 1; c <= CONVS_PER_STAGE; c++) {
      const id = `${s + 1}_${c}`;
      const conv = tf.layers.conv2d({
        filters, kernelSize: 3, padding: 'same', kernelInitializer: seeds.he(), name: `conv${id}`,
      });
      x = applyTo(conv, x);
      x = applyTo(batchNorm(`bn${id}`), x);
      x = applyTo(relu(`relu${id}`), x);
    }
    x = applyTo(tf.layers.maxPooling2d({ poolSize: 2, name: `pool${s + 1}` }), x);
  });
  x = applyTo(tf.layers.flatten({ name: 'flatten' }), x);
  x = applyTo(tf.layers.dense({ units: 64, kernelInitializer: seeds.he(), name: 'fc1' }), x);
  x = applyTo(batchNorm('bn_fc1'), x);
  x = applyTo(relu('relu_fc1'), x);
  return tf.model({ inputs: input, outputs: classifier(x, options, seeds), name: 'vgg' });
}
