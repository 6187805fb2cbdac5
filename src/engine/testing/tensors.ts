/** Test helpers shared by the engine's tests. */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../core/types';
import { modelFromSpec } from '../io/modelSpec';
import { expect } from 'vitest';

/** Runs `body` and asserts that it leaves no tensor behind. */
export async function expectNoLeaks<T>(body: () => Promise<T> | T): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await body();
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return result;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Deterministic pseudo-random input of the given shape. */
export function randomInput(shape: number[], seed = 7): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

export async function predictValues(model: tf.LayersModel, input: tf.Tensor): Promise<Float32Array> {
  const output = model.predict(input) as tf.Tensor;
  const values = (await output.data()) as Float32Array;
  output.dispose();
  return values;
}

/** Builds the spec's model, predicts `input`, and disposes the model. */
export async function predictSpec(spec: ModelSpec, input: tf.Tensor): Promise<Float32Array> {
  const model = await modelFromSpec(spec);
  const values = await predictValues(model, input);
  model.dispose();
  return values;
}
