/**
 * The hard activations of mobile networks (MobileNetV3 and kin), which tfjs-layers lacks, registered with tfjs so
 * that a ModelSpec using them builds, trains, saves and reloads (docs/METHOD.md §11.2):
 *
 * - the activation `hard_swish`: x · min(max(x + 3, 0), 6) / 6, PyTorch's nn.Hardswish and ONNX's HardSwish (Keras 3
 *   calls it hard_swish too), usable as `Activation({ activation: 'hard_swish' })` or any layer's `activation`;
 * - the layer `HardSigmoid { alpha, beta }`: min(max(alpha·x + beta, 0), 1), ONNX's HardSigmoid with any slope and
 *   offset (PyTorch's nn.Hardsigmoid exports alpha 1/6). tfjs's own `hard_sigmoid` activation is alpha 0.2, beta 0.5.
 *
 * A tfjs model.json that uses them loads in stock tfjs only with these two classes registered.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../core/types';

/** A tfjs activation: what `getActivation` builds from a layer config's `activation` name ('hard_swish' → 'hardSwish'). */
class HardSwish extends tf.serialization.Serializable {
  static readonly className = 'hardSwish';

  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6)));
  }

  getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
tf.serialization.registerClass(HardSwish);

export interface HardSigmoidArgs {
  alpha?: number;
  beta?: number;
  name?: string;
  trainable?: boolean;
}

export class HardSigmoidLayer extends tf.layers.Layer {
  static readonly className = 'HardSigmoid';
  readonly alpha: number;
  readonly beta: number;

  constructor(args: HardSigmoidArgs = {}) {
    super(args);
    this.alpha = args.alpha ?? 0.2;
    this.beta = args.beta ?? 0.5;
    if (!Number.isFinite(this.alpha) || !Number.isFinite(this.beta)) throw new Error(`HardSigmoid '${this.name}' needs finite alpha and beta.`);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.clipByValue(tf.add(tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.alpha), this.beta), 0, 1));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha, beta: this.beta };
  }
}
tf.serialization.registerClass(HardSigmoidLayer);

/** The classes of this module a spec uses ('hard_swish', 'HardSigmoid'): what stock tfjs must register to load its model.json. */
export function engineOnlyClasses(spec: ModelSpec): string[] {
  const used = new Set<string>();
  for (const layer of spec.layers) {
    if (layer.className === HardSigmoidLayer.className) used.add(HardSigmoidLayer.className);
    if (layer.config.activation === 'hard_swish') used.add('hard_swish');
  }
  return [...used].sort();
}
