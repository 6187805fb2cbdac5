import * as tf from '@tensorflow/tfjs';
import {
  applyTo, batchNorm, checkOptions, classifier, DEFAULT_SEED, inputLayer, relu, SeedSequence, type ZooOptions,
} from './common';

interface StagePlan {
  filters: number;
  blocks: number;
  /** The first block downsamples with stride 2 and a 1x1 projection shortcut. */
  downsample: boolean;
}

const STAGES: StagePlan[] = [
  { filters: 16, blocks: 2, downsample: false },
  { filters: 32, blocks: 2, downsample: true },
];

function conv3x3(name: string, filters: number, strides: number, seeds: SeedSequence): tf.layers.Layer {
  return tf.layers.conv2d({
    filters, kernelSize: 3, strides, padding: 'same', kernelInitializer: seeds.he(), name,
  });
}

/**
 * Basic block: conv 3x3 → BN → ReLU → conv 3x3 → BN, added to the shortcut,
 * then ReLU. The shortcut is the identity, or conv 1x1 → BN when the block
 * changes shape. With an identity shortcut the block's output channels are
 * the same channels as its input's: pruning must keep or remove them together.
 */
function basicBlock(
  x: tf.SymbolicTensor, prefix: string, filters: number, strides: number, seeds: SeedSequence,
): tf.SymbolicTensor {
  let y = applyTo(conv3x3(`${prefix}_conv1`, filters, strides, seeds), x);
  y = applyTo(batchNorm(`${prefix}_bn1`), y);
  y = applyTo(relu(`${prefix}_relu1`), y);
  y = applyTo(conv3x3(`${prefix}_conv2`, filters, 1, seeds), y);
  y = applyTo(batchNorm(`${prefix}_bn2`), y);

  let shortcut = x;
  const inputChannels = x.shape[x.shape.length - 1];
  if (strides !== 1 || inputChannels !== filters) {
    const projection = tf.layers.conv2d({
      filters, kernelSize: 1, strides, padding: 'same', kernelInitializer: seeds.he(), name: `${prefix}_proj_conv`,
    });
    shortcut = applyTo(projection, x);
    shortcut = applyTo(batchNorm(`${prefix}_proj_bn`), shortcut);
  }
  const sum = applyTo(tf.layers.add({ name: `${prefix}_add` }), [y, shortcut]);
  return applyTo(relu(`${prefix}_relu2`), sum);
}

/**
 * Small ResNet-style: stem conv 3x3 (16) → BN → ReLU, stage 1 with two identity
 * blocks (16 channels), stage 2 with a stride-2 projection block and an
 * identity block (32 channels), then global average pooling → dense softmax.
 */
export function resnet(options: ZooOptions): tf.LayersModel {
  checkOptions('resnet', options, 4);
  const seeds = new SeedSequence(options.seed ?? DEFAULT_SEED);
  const input = inputLayer(options);
  let x = applyTo(conv3x3('stem_conv', STAGES[0].filters, 1, seeds), input);
  x = applyTo(batchNorm('stem_bn'), x);
  x = applyTo(relu('stem_relu'), x);
  STAGES.forEach((stage, s) => {
    for (let b = 0; b < stage.blocks; b++) {
      const strides = stage.downsample && b === 0 ? 2 : 1;
      x = basicBlock(x, `s${s + 1}b${b + 1}`, stage.filters, strides, seeds);
    }
  });
  x = applyTo(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  return tf.model({ inputs: input, outputs: classifier(x, options, seeds), name: 'resnet' });
}
