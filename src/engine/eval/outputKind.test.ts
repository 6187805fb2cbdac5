import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../core/types';
import { expectNoLeaks, maxAbsDifference } from '../testing/tensors';
import { evaluate } from './evaluate';
import {
  classificationLoss, classificationLossSum, declaredOutputKind, distributionLogits, kindFromOutputs,
  lossAndDistributionLogits, outputLayerView, PROBABILITY_EPSILON, type OutputLayerView,
} from './outputKind';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Sym = tf.SymbolicTensor;

/** Input [1, 1, 2] → flatten → dense 3 (`activation`) → `tail` layers, with a known kernel and bias. */
function headModel(activation: string, tail: tf.layers.Layer[] = [], kernel = [[1, 0, -1], [0, 2, 1]], bias = [0, 0, 0]): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, 2], name: 'input' });
  const dense = tf.layers.dense({ name: 'fc', units: 3, activation: activation as 'linear' });
  let x = dense.apply(tf.layers.flatten({ name: 'flatten' }).apply(input) as Sym) as Sym;
  for (const layer of tail) x = layer.apply(x) as Sym;
  const model = tf.model({ inputs: input, outputs: x });
  tf.tidy(() => dense.setWeights([tf.tensor2d(kernel), tf.tensor1d(bias)]));
  return model;
}

const view = (className: string, activation?: string, inbound?: OutputLayerView): OutputLayerView => ({ className, activation, inbound });

describe('declaredOutputKind', () => {
  it('reads the last activation: softmax, sigmoid, linear → logits', () => {
    expect(declaredOutputKind(view('Dense', 'softmax'))).toBe('softmax');
    expect(declaredOutputKind(view('Dense', 'sigmoid'))).toBe('sigmoid');
    expect(declaredOutputKind(view('Dense', 'linear'))).toBe('logits');
    expect(declaredOutputKind(view('Softmax', undefined, view('Dense', 'linear')))).toBe('softmax');
    expect(declaredOutputKind(view('Activation', 'softmax', view('Dense', 'linear')))).toBe('softmax');
  });

  it('passes through Flatten and Dropout, and leaves a final ReLU (or nothing) open', () => {
    expect(declaredOutputKind(view('Flatten', undefined, view('Dropout', undefined, view('Dense', 'softmax'))))).toBe('softmax');
    expect(declaredOutputKind(view('Dropout', undefined, view('Dense', 'linear')))).toBe('logits');
    expect(declaredOutputKind(view('Activation', 'relu', view('Dense', 'linear')))).toBeUndefined();
    expect(declaredOutputKind(view('ReLU', undefined, view('Dense', 'softmax')))).toBeUndefined();
    expect(declaredOutputKind(view('Dropout'))).toBeUndefined();
    expect(declaredOutputKind(undefined)).toBeUndefined();
  });

  it('reads the same from live tfjs models', () => {
    const cases: [tf.LayersModel, string | undefined][] = [
      [headModel('softmax'), 'softmax'],
      [headModel('linear'), 'logits'],
      [headModel('sigmoid'), 'sigmoid'],
      [headModel('linear', [tf.layers.activation({ name: 'probs', activation: 'softmax' })]), 'softmax'],
      [headModel('linear', [tf.layers.softmax({ name: 'probs' })]), 'softmax'],
      [headModel('softmax', [tf.layers.dropout({ name: 'drop', rate: 0.5 })]), 'softmax'],
      [headModel('linear', [tf.layers.dropout({ name: 'drop', rate: 0.5 })]), 'logits'],
      [headModel('linear', [tf.layers.activation({ name: 'act', activation: 'relu' })]), undefined],
      [headModel('linear', [tf.layers.reLU({ name: 'relu' })]), undefined],
    ];
    for (const [model, expected] of cases) {
      expect(declaredOutputKind(outputLayerView(model)), model.layers.map((l) => l.getClassName()).join('→')).toBe(expected);
      model.dispose();
    }
  });
});

describe('kindFromOutputs', () => {
  it('tells softmax rows, per-class probabilities and logits apart', () => {
    expect(kindFromOutputs(Float32Array.from([0.2, 0.8, 0.5, 0.5]), 2)).toBe('softmax');
    expect(kindFromOutputs(Float32Array.from([0.2, 0.3, 0.9, 0.9]), 2)).toBe('sigmoid');
    // One row that does not sum to 1 is enough.
    expect(kindFromOutputs(Float32Array.from([0.2, 0.8, 0.2, 0.3]), 2)).toBe('sigmoid');
    expect(kindFromOutputs(Float32Array.from([0.2, 0.8, -0.1, 1.1]), 2)).toBe('logits');
    expect(kindFromOutputs(Float32Array.from([3, 1.5, 0, 0]), 2)).toBe('logits');
    expect(kindFromOutputs(Float32Array.from([NaN, 1]), 2)).toBe('logits');
  });
});

describe('the kind evaluate finds', () => {
  /** Two 1×1×2 images, labels 0 and 1, for the 3-class heads below. */
  const images = (values: number[]): ImageDataset => ({
    images: Float32Array.from(values), labels: Int32Array.from([0, 1]), count: 2, height: 1, width: 1, channels: 2,
    numClasses: 3, classNames: ['a', 'b', 'c'], source: 'two images',
  });

  it('falls back to the outputs behind a final ReLU', async () => {
    // fc(x) = [x0, 2·x1, x1 − x0], then ReLU.
    const model = headModel('linear', [tf.layers.activation({ name: 'act', activation: 'relu' })]);
    expect((await expectNoLeaks(() => evaluate(model, images([3, 1, 0, 4])))).outputKind).toBe('logits');
    expect((await evaluate(model, images([0.5, 0.2, 0.1, 0.3]))).outputKind).toBe('sigmoid');
    model.dispose();
  });

  it('trusts the declared activation over the outputs', async () => {
    // A linear head whose outputs happen to be a distribution: still logits.
    const model = headModel('linear', [], [[0, 0, 0], [0, 0, 0]], [0.2, 0.3, 0.5]);
    expect((await evaluate(model, images([1, 2, 3, 4]))).outputKind).toBe('logits');
    model.dispose();
  });
});

describe('classificationLoss', () => {
  const logits = [[2, 5, 0], [1, -1, 3], [0.5, 0.2, 0.1], [4, 1, 2]];
  const labels = [0, 2, 1, 0];

  it('equals tf softmax cross-entropy for logits', () => {
    const [ours, reference] = tf.tidy(() => {
      const outputs = tf.tensor2d(logits);
      const y = tf.tensor1d(labels, 'int32');
      return [classificationLoss(outputs, y, 'logits'), tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), outputs)].map((t) => t.dataSync()[0]);
    });
    expect(ours).toBeCloseTo(reference, 5);
    // By hand, for the first row: log(e² + e⁵ + e⁰) − 2.
    const first = tf.tidy(() => classificationLoss(tf.tensor2d([logits[0]]), tf.tensor1d([0], 'int32'), 'logits').dataSync()[0]);
    expect(first).toBeCloseTo(Math.log(Math.exp(2) + Math.exp(5) + 1) - 2, 5);
  });

  it('is not zero for logits when the true logit exceeds 1 but another is larger', () => {
    // The bug of issue 10: read as probabilities, −log(clip(2)) ≈ 0 here.
    const loss = tf.tidy(() => classificationLoss(tf.tensor2d([[2, 5, 0]]), tf.tensor1d([0], 'int32'), 'logits').dataSync()[0]);
    expect(loss).toBeGreaterThan(3);
    const misread = tf.tidy(() => classificationLoss(tf.tensor2d([[2, 5, 0]]), tf.tensor1d([0], 'int32'), 'softmax').dataSync()[0]);
    expect(misread).toBeLessThan(1e-5);
  });

  it('is the mean of −log p for softmax outputs, clipped', () => {
    const p = [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [1, 0, 0]];
    const y = [0, 2, 1];
    const expected = (-Math.log(0.7) - Math.log(0.8) - Math.log(PROBABILITY_EPSILON)) / 3;
    const [mean, sum] = tf.tidy(() => {
      const outputs = tf.tensor2d(p);
      const l = tf.tensor1d(y, 'int32');
      return [classificationLoss(outputs, l, 'softmax').dataSync()[0], classificationLossSum(outputs, l, 'softmax').dataSync()[0]];
    });
    expect(mean).toBeCloseTo(expected, 4);
    expect(sum).toBeCloseTo(3 * expected, 3);
  });

  it('is binary cross-entropy over the classes for sigmoid outputs', () => {
    const p = [[0.9, 0.2], [0.4, 0.3]];
    const expected = (-Math.log(0.9) - Math.log(0.8) - Math.log(0.6) - Math.log(0.3)) / 2;
    const loss = tf.tidy(() => classificationLoss(tf.tensor2d(p), tf.tensor1d([0, 1], 'int32'), 'sigmoid').dataSync()[0]);
    expect(loss).toBeCloseTo(expected, 5);
  });

  it('leaks no tensor', async () => {
    const outputs = tf.tensor2d(logits);
    const y = tf.tensor1d(labels, 'int32');
    await expectNoLeaks(() => {
      classificationLoss(outputs, y, 'logits').dispose();
      classificationLoss(outputs, y, 'sigmoid').dispose();
    });
    outputs.dispose();
    y.dispose();
  });
});

describe('distributionLogits', () => {
  it('gives scores whose softmax is the model\'s distribution', () => {
    const p = [[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]];
    const back = tf.tidy(() => tf.softmax(distributionLogits(tf.tensor2d(p), 'softmax')).dataSync());
    expect(maxAbsDifference(back, p.flat())).toBeLessThan(1e-6);
    const logits = tf.tensor2d([[1, 2, 3]]);
    expect(distributionLogits(logits, 'logits')).toBe(logits);
    logits.dispose();
    // Sigmoid: log(p / (1 − p)), the logit of each class.
    const sigmoidLogits = tf.tidy(() => distributionLogits(tf.tensor2d([[0.5, 0.8]]), 'sigmoid').dataSync());
    expect(maxAbsDifference(sigmoidLogits, [0, Math.log(4)])).toBeLessThan(1e-5);
  });
});

describe('lossAndDistributionLogits', () => {
  it.each(['softmax', 'logits', 'sigmoid'] as const)('%s: the same loss as classificationLoss and the same logits as distributionLogits', async (kind) => {
    const outputs = tf.tensor2d(kind === 'logits' ? [[1, -2, 0.5], [0, 3, 1]] : [[0.7, 0.2, 0.1], [1e-9, 0.25, 0.75]]);
    const labels = tf.tensor1d([0, 2], 'int32');
    const [loss, logits] = await expectNoLeaks(() => tf.tidy(() => {
      const both = lossAndDistributionLogits(outputs, labels, kind);
      return [both.loss.dataSync(), both.logits.dataSync()];
    }));
    const [expectedLoss, expectedLogits] = tf.tidy(() => [classificationLoss(outputs, labels, kind).dataSync(), distributionLogits(outputs, kind).dataSync()]);
    expect(Array.from(loss)).toEqual(Array.from(expectedLoss));
    expect(Array.from(logits)).toEqual(Array.from(expectedLogits));
    tf.dispose([outputs, labels]);
  });
});
