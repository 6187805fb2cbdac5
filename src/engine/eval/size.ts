import type * as tf from '@tensorflow/tfjs';

/** All weights, trainable or not (BN moving statistics count too), as Keras' "Total params". */
export function countParams(model: tf.LayersModel): number {
  return model.weights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 0), 1), 0);
}

/** Bytes of all weights stored as float32, as in a saved model's weight shards. */
export function weightBytes(model: tf.LayersModel): number {
  return countParams(model) * Float32Array.BYTES_PER_ELEMENT;
}
