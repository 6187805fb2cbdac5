/**
 * What a classifier outputs, and the loss that matches it (issue 10). Models
 * exported from PyTorch, and Keras or tfjs models trained with a from-logits
 * loss, end in a linear layer: their outputs are logits. Taking those as
 * probabilities makes `−log(clip(p))` zero as soon as the true logit passes 1,
 * whatever the other logits do, so training would optimize nothing useful.
 *
 * The kind is read from the last layer's activation; where that says nothing
 * certain (a ReLU, a custom layer), the outputs on real images decide.
 */
import * as tf from '@tensorflow/tfjs';
import type { OutputKind } from '../../contract/outputKind';
import type { ModelSpec } from '../core/types';


/** Probabilities are clipped to [EPSILON, 1 − EPSILON] before the log, as Keras does. */
export const PROBABILITY_EPSILON = 1e-7;

const ACTIVATION_KINDS: Record<string, OutputKind> = { softmax: 'softmax', sigmoid: 'sigmoid', linear: 'logits' };
/** Layers that pass their input's kind through unchanged. */
const PASS_THROUGH = new Set(['Flatten', 'Reshape', 'Dropout', 'SpatialDropout2D', 'GaussianNoise', 'InputLayer']);

/** A layer as far as its output's kind goes: a spec layer or a live tfjs layer gives these. */
export interface OutputLayerView {
  className: string;
  activation?: string;
  inbound?: OutputLayerView;
}

/** The kind the last layers state, or undefined when they leave it open (e.g. a final ReLU). */
export function declaredOutputKind(layer: OutputLayerView | undefined): OutputKind | undefined {
  for (let current = layer; current; current = current.inbound) {
    if (current.className === 'Softmax') return 'softmax';
    if (PASS_THROUGH.has(current.className)) continue;
    if (current.activation === undefined) return undefined;
    return ACTIVATION_KINDS[current.activation];
  }
  return undefined;
}

/** The last layers of a live model, walked back through single-input layers. */
export function outputLayerView(model: tf.LayersModel): OutputLayerView | undefined {
  const view = (layer: tf.layers.Layer | undefined, depth: number): OutputLayerView | undefined => {
    if (!layer || depth > 8) return undefined;
    const config = layer.getConfig();
    const inbound = layer.inboundNodes[0]?.inboundLayers;
    return {
      className: layer.getClassName(),
      activation: typeof config.activation === 'string' ? config.activation : undefined,
      inbound: inbound?.length === 1 ? view(inbound[0], depth + 1) : undefined,
    };
  };
  return view(model.outputs[0]?.sourceLayer, 0);
}

/** The last layers of a spec, walked back through single-input layers. */
export function specOutputView(spec: ModelSpec): OutputLayerView | undefined {
  const byName = new Map(spec.layers.map((layer) => [layer.name, layer]));
  const view = (name: string | undefined, depth: number): OutputLayerView | undefined => {
    const layer = name === undefined ? undefined : byName.get(name);
    if (!layer || depth > 8) return undefined;
    const { activation } = layer.config;
    return {
      className: layer.className,
      activation: typeof activation === 'string' ? activation : undefined,
      inbound: layer.inbound.length === 1 ? view(layer.inbound[0], depth + 1) : undefined,
    };
  };
  return view(spec.outputs[0], 0);
}

/**
 * Judges outputs that the layers leave open: all in [0, 1] and every row
 * summing to 1 → softmax; all in [0, 1] → sigmoid; else logits.
 */
export function kindFromOutputs(outputs: Float32Array, classes: number): OutputKind {
  let inUnitRange = true;
  let sumsToOne = true;
  for (let row = 0; row * classes < outputs.length; row++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const value = outputs[row * classes + c];
      if (!(value >= 0 && value <= 1)) inUnitRange = false;
      sum += value;
    }
    if (Math.abs(sum - 1) > 1e-3) sumsToOne = false;
  }
  if (!inUnitRange) return 'logits';
  return sumsToOne ? 'softmax' : 'sigmoid';
}

/**
 * Log-probabilities of each class, [N, K]: log-softmax of logits; the clipped
 * log of softmax outputs; for sigmoid outputs the log of each class's own
 * probability (not normalized across classes).
 */
export function logProbabilities(outputs: tf.Tensor2D, kind: OutputKind): tf.Tensor2D {
  return tf.tidy(() => (kind === 'logits' ? tf.logSoftmax(outputs) : tf.log(tf.clipByValue(outputs, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON))));
}

/**
 * Scores whose softmax gives the model's class distribution: the logits
 * themselves, log p for softmax outputs, log(p / (1 − p)) for sigmoid ones.
 * Distillation compares these at a temperature.
 */
export function distributionLogits(outputs: tf.Tensor2D, kind: OutputKind): tf.Tensor2D {
  if (kind === 'logits') return outputs;
  return tf.tidy(() => {
    const clipped = tf.clipByValue(outputs, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    return (kind === 'softmax' ? tf.log(clipped) : tf.sub(tf.log(clipped), tf.log1p(tf.neg(clipped)))) as tf.Tensor2D;
  });
}

/**
 * Summed loss over the batch that matches the output kind: softmax cross-entropy
 * (from logits or probabilities), or binary cross-entropy over the classes
 * against one-hot labels for sigmoid outputs (what such a model trains with).
 */
export function classificationLossSum(outputs: tf.Tensor2D, labels: tf.Tensor1D, kind: OutputKind): tf.Scalar {
  return tf.tidy(() => {
    if (kind !== 'sigmoid') return crossEntropySum(logProbabilities(outputs, kind), labels);
    const oneHot = tf.oneHot(labels, outputs.shape[1]);
    const p = tf.clipByValue(outputs, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    const positive = tf.mul(oneHot, tf.log(p));
    const negative = tf.mul(tf.sub(1, oneHot), tf.log1p(tf.neg(p)));
    return tf.neg(tf.sum(tf.add(positive, negative))) as tf.Scalar;
  });
}

/** −Σ log p of each row's label: softmax cross-entropy summed over the batch. */
function crossEntropySum(logP: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.oneHot(labels, logP.shape[1]), logP))) as tf.Scalar);
}

/** Mean of `classificationLossSum` over the batch. */
export function classificationLoss(outputs: tf.Tensor2D, labels: tf.Tensor1D, kind: OutputKind): tf.Scalar {
  return tf.tidy(() => tf.div(classificationLossSum(outputs, labels, kind), outputs.shape[0]) as tf.Scalar);
}

/**
 * classificationLoss and distributionLogits of the same outputs for a
 * distilled training step. For softmax outputs both are built on the clipped
 * log p: computed once, so the step's tape holds it once.
 */
export function lossAndDistributionLogits(outputs: tf.Tensor2D, labels: tf.Tensor1D, kind: OutputKind): { loss: tf.Scalar; logits: tf.Tensor2D } {
  if (kind !== 'softmax') return { loss: classificationLoss(outputs, labels, kind), logits: distributionLogits(outputs, kind) };
  const logits = logProbabilities(outputs, kind);
  const loss = tf.tidy(() => tf.div(crossEntropySum(logits, labels), outputs.shape[0]) as tf.Scalar);
  return { loss, logits };
}
