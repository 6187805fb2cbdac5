import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors';
import type { ZooOptions } from './common';
import { lenet } from './lenet';
import { mobilenet } from './mobilenet';
import { resnet } from './resnet';
import { vgg } from './vgg';

export type { ZooOptions } from './common';
export { lenet, mobilenet, resnet, vgg };

export interface BuiltinModel {
  title: string;
  /** One sentence for learners. */
  description: string;
  /** Builds an uncompiled model with freshly initialised, seeded weights. */
  build: (options: ZooOptions) => tf.LayersModel;
}

export const BUILTIN_MODELS = {
  lenet: {
    title: 'LeNet (BN)',
    description: 'Two 5x5 convolutions and a small dense layer, the classic first CNN, with batch normalization after every layer.',
    build: lenet,
  },
  vgg: {
    title: 'Small VGG (BN)',
    description: 'Three stages of stacked 3x3 convolutions that double in width, then a dense classifier: simple, deep and easy to prune.',
    build: vgg,
  },
  resnet: {
    title: 'Small ResNet',
    description: 'Blocks that add their input back to their output, so channels joined by a shortcut must be pruned together.',
    build: resnet,
  },
  mobilenet: {
    title: 'Small MobileNet',
    description: 'Depthwise-separable convolutions that filter each channel on its own and then mix channels with a cheap 1x1 convolution.',
    build: mobilenet,
  },
} satisfies Record<string, BuiltinModel>;

export type BuiltinModelName = keyof typeof BUILTIN_MODELS;

export function isBuiltinModelName(name: string): name is BuiltinModelName {
  return Object.prototype.hasOwnProperty.call(BUILTIN_MODELS, name);
}

/** Builds a built-in model by name; an unknown name is a UserError listing the valid ones. */
export function buildBuiltinModel(name: string, options: ZooOptions): tf.LayersModel {
  if (!isBuiltinModelName(name)) {
    const valid = Object.keys(BUILTIN_MODELS).join(', ');
    throw new UserError(`Unknown built-in model "${name}". Choose one of: ${valid}.`);
  }
  return BUILTIN_MODELS[name].build(options);
}
