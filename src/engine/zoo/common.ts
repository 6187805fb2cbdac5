import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors';

/** Options every built-in model takes. */
export interface ZooOptions {
  /** [height, width, channels] of one input image. */
  inputShape: [number, number, number];
  numClasses: number;
  /** Seed of the weight initializers; the same seed builds the same weights. Default 1. */
  seed?: number;
}

export const DEFAULT_SEED = 1;

type Initializer = ReturnType<typeof tf.initializers.heNormal>;

/** Checks the options and throws a UserError that says what to change. */
export function checkOptions(model: string, options: ZooOptions, minSize: number): void {
  const { inputShape, numClasses } = options;
  const isPositiveInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every(isPositiveInt)) {
    throw new UserError(
      `${model}: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}.`,
    );
  }
  const [h, w] = inputShape;
  if (h < minSize || w < minSize) {
    throw new UserError(`${model}: images must be at least ${minSize}x${minSize} pixels, got ${h}x${w}.`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new UserError(`${model}: numClasses must be an integer of at least 2, got ${numClasses}.`);
  }
  if (options.seed !== undefined && !Number.isFinite(options.seed)) {
    throw new UserError(`${model}: seed must be a finite number, got ${options.seed}.`);
  }
}

/**
 * Hands out one seed per layer. Layers must not share a seed: tfjs would then
 * draw the same random stream for all of them.
 */
export class SeedSequence {
  private next = 0;
  constructor(private readonly base: number) {}

  take(): number {
    this.next += 1;
    return this.base * 10_007 + this.next;
  }

  /** For layers followed by ReLU / ReLU6. */
  he(): Initializer {
    return tf.initializers.heNormal({ seed: this.take() });
  }

  /** For the softmax classifier. */
  glorot(): Initializer {
    return tf.initializers.glorotUniform({ seed: this.take() });
  }
}

/** `layer.apply` for single-tensor layers on symbolic tensors, typed. */
export function applyTo(layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(input) as tf.SymbolicTensor;
}

export function inputLayer(options: ZooOptions): tf.SymbolicTensor {
  return tf.input({ shape: [...options.inputShape], name: 'input' });
}

export function batchNorm(name: string): tf.layers.Layer {
  return tf.layers.batchNormalization({ axis: -1, name });
}

export function relu(name: string): tf.layers.Layer {
  return tf.layers.reLU({ name });
}

export function relu6(name: string): tf.layers.Layer {
  return tf.layers.reLU({ maxValue: 6, name });
}

/** The softmax classifier every built-in model ends with. */
export function classifier(x: tf.SymbolicTensor, options: ZooOptions, seeds: SeedSequence): tf.SymbolicTensor {
  const layer = tf.layers.dense({
    units: options.numClasses,
    activation: 'softmax',
    kernelInitializer: seeds.glorot(),
    name: 'predictions',
  });
  return applyTo(layer, x);
}
