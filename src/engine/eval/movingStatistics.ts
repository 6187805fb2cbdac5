/**
 * BatchNormalization's moving mean and variance. tfjs updates them on every
 * training-mode call, so code that runs a model in training mode only to
 * measure something keeps them with `keepingStatistics`.
 */
import * as tf from '@tensorflow/tfjs';

export const isBatchNorm = (layer: tf.layers.Layer): boolean => layer.getClassName() === 'BatchNormalization';

export function movingStatistics(layers: tf.layers.Layer[]): tf.LayerVariable[] {
  return layers.filter(isBatchNorm).flatMap((layer) => layer.weights.filter((weight) => /moving_(mean|variance)$/.test(weight.originalName)));
}

/** Runs `body`, then writes back the values `variables` had before it. */
export async function keepingStatistics<T>(variables: tf.LayerVariable[], body: () => Promise<T>): Promise<T> {
  const saved = variables.map((variable) => tf.clone(variable.read()));
  try {
    return await body();
  } finally {
    variables.forEach((variable, index) => variable.write(saved[index]));
    saved.forEach((tensor) => tensor.dispose());
  }
}
