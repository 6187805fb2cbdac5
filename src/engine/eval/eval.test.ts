import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../core/abort';
import { UserError } from '../core/errors';
import type { ImageDataset } from '../core/types';
import { expectNoLeaks } from '../testing/tensors';
import { lenet } from '../zoo';
import { evaluate } from './evaluate';
import { measureLatency, median } from './latency';
import { predictProbabilities } from './predict';
import { countParams, weightBytes } from './size';

/**
 * Input [1, 1, 2] → Dense 2 softmax with identity kernel and zero bias:
 * the logits are the two pixels, so every prediction is known by hand.
 */
function identityClassifier(): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, 2], name: 'input' });
  const flat = tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 2, activation: 'softmax', name: 'predictions' });
  const model = tf.model({ inputs: input, outputs: dense.apply(flat) as tf.SymbolicTensor });
  tf.tidy(() => dense.setWeights([tf.tensor2d([[1, 0], [0, 1]]), tf.zeros([2])]));
  return model;
}

/** The same with a linear head: it outputs the two pixels as logits. */
function identityLogits(): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, 2], name: 'input' });
  const flat = tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 2, name: 'logits' });
  const model = tf.model({ inputs: input, outputs: dense.apply(flat) as tf.SymbolicTensor });
  tf.tidy(() => dense.setWeights([tf.tensor2d([[1, 0], [0, 1]]), tf.zeros([2])]));
  return model;
}

function dataset(pixels: [number, number][], labels: number[]): ImageDataset {
  return {
    images: Float32Array.from(pixels.flat()),
    labels: Int32Array.from(labels),
    count: labels.length,
    height: 1,
    width: 1,
    channels: 2,
    numClasses: 2,
    classNames: ['a', 'b'],
    source: 'hand-made',
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const CLIPPED_LOSS = -Math.log(1e-7);

// Predictions 0, 1, 0, 1, 0 against labels 0, 1, 1, 0, 1: two right out of five.
// The last sample's true class gets exp(-200) = 0 in float32, so its loss is the clipped one.
const PIXELS: [number, number][] = [[5, 0], [0, 5], [5, 0], [0, 5], [200, 0]];
const LABELS = [0, 1, 1, 0, 1];
const EXPECTED_LOSS = (-2 * Math.log(sigmoid(5)) - 2 * Math.log(sigmoid(-5)) + CLIPPED_LOSS) / 5;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('evaluate', () => {
  it('gives the accuracy and mean cross-entropy computed by hand', async () => {
    const model = identityClassifier();
    const result = await evaluate(model, dataset(PIXELS, LABELS));
    expect(result.count).toBe(5);
    expect(result.accuracy).toBeCloseTo(0.4, 10);
    expect(result.loss).toBeCloseTo(EXPECTED_LOSS, 4);
    model.dispose();
  });

  it('gives the same result whatever the batch size, and leaks no tensor', async () => {
    const model = identityClassifier();
    const data = dataset(PIXELS, LABELS);
    const before = tf.memory().numTensors;
    for (const batchSize of [1, 2, 3, 256]) {
      const result = await evaluate(model, data, { batchSize });
      expect(result.accuracy).toBeCloseTo(0.4, 10);
      expect(result.loss).toBeCloseTo(EXPECTED_LOSS, 4);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('is perfect when every label is the predicted class', async () => {
    const model = identityClassifier();
    const result = await evaluate(model, dataset([[3, 1], [1, 3]], [0, 1]));
    expect(result.accuracy).toBe(1);
    expect(result.loss).toBeCloseTo(-Math.log(sigmoid(2)), 5);
    model.dispose();
  });

  it('rejects a dataset that does not fit the model', async () => {
    const model = identityClassifier();
    const threeClasses = { ...dataset(PIXELS, LABELS), numClasses: 3 };
    await expect(evaluate(model, threeClasses)).rejects.toThrow(/predicts 2 classes/);
    const wrongShape = { ...dataset(PIXELS, LABELS), channels: 1, width: 2 };
    await expect(evaluate(model, wrongShape)).rejects.toThrow(UserError);
    const empty = dataset([], []);
    await expect(evaluate(model, empty)).rejects.toThrow(/empty/);
    model.dispose();
  });

  it('stops when cancelled, without leaking', async () => {
    const model = identityClassifier();
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    controller.abort();
    await expect(evaluate(model, dataset(PIXELS, LABELS), { signal: controller.signal })).rejects.toThrow(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('evaluate on a model that outputs logits', () => {
  // Softmax cross-entropy of two logits is −log σ(z_true − z_other); the last sample's is 200, not clipped.
  const LOGITS_LOSS = (-2 * Math.log(sigmoid(5)) - 2 * Math.log(sigmoid(-5)) + 200) / 5;

  it('reports outputKind logits and the softmax cross-entropy of the logits', async () => {
    const model = identityLogits();
    const data = dataset(PIXELS, LABELS);
    for (const batchSize of [2, 256]) {
      const result = await expectNoLeaks(() => evaluate(model, data, { batchSize }));
      expect(result.outputKind).toBe('logits');
      expect(result.accuracy).toBeCloseTo(0.4, 10);
      expect(Number.isFinite(result.loss)).toBe(true);
      expect(result.loss).toBeCloseTo(LOGITS_LOSS, 3);
    }
    const reference = tf.tidy(() => {
      const logits = tf.tensor2d(PIXELS);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(LABELS, 'int32'), 2), logits).dataSync()[0];
    });
    expect((await evaluate(model, data)).loss).toBeCloseTo(reference, 3);
    model.dispose();
  });

  it('takes the accuracy from the argmax whatever kind it is told, and the loss from the kind', async () => {
    const model = identityLogits();
    const data = dataset([[3, 1], [1, 3], [2, 1.5]], [0, 1, 1]);
    const asLogits = await evaluate(model, data, { outputKind: 'logits' });
    const asProbabilities = await evaluate(model, data, { outputKind: 'softmax' });
    expect(asLogits.accuracy).toBeCloseTo(2 / 3, 10);
    expect(asProbabilities.accuracy).toBe(asLogits.accuracy);
    expect(asProbabilities.outputKind).toBe('softmax');
    // Read as probabilities, every true value is ≥ 1 and costs nothing, even the misclassified row: the bug of issue 10.
    expect(asProbabilities.loss).toBeLessThan(1e-5);
    expect(asLogits.loss).toBeGreaterThan(0.3);
    expect(asLogits.loss).toBeCloseTo((-Math.log(sigmoid(2)) * 2 - Math.log(sigmoid(-0.5))) / 3, 5);
    model.dispose();
  });

  it('still reports softmax for a softmax model', async () => {
    const model = identityClassifier();
    expect((await evaluate(model, dataset(PIXELS, LABELS))).outputKind).toBe('softmax');
    model.dispose();
  });
});

describe('predictProbabilities', () => {
  it('returns N × classes probabilities in order, batched', async () => {
    const model = identityClassifier();
    const images = Float32Array.from(PIXELS.slice(0, 3).flat());
    const before = tf.memory().numTensors;
    const probs = await predictProbabilities(model, images, [1, 1, 2], { batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const expected = [sigmoid(5), sigmoid(-5), sigmoid(-5), sigmoid(5), sigmoid(5), sigmoid(-5)];
    expect(probs.length).toBe(6);
    expected.forEach((p, i) => expect(probs[i]).toBeCloseTo(p, 5));
    model.dispose();
  });

  it('rejects a buffer that is not a whole number of images', async () => {
    const model = identityClassifier();
    await expect(predictProbabilities(model, new Float32Array(3), [1, 1, 2])).rejects.toThrow(UserError);
    model.dispose();
  });

  it('runs a built-in model on a 28x28 batch', async () => {
    const model = lenet({ inputShape: [28, 28, 1], numClasses: 10 });
    const probs = await predictProbabilities(model, new Float32Array(3 * 28 * 28).fill(0.5), [28, 28, 1]);
    expect(probs.length).toBe(30);
    for (let i = 0; i < 3; i++) {
      const row = probs.subarray(i * 10, i * 10 + 10);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    model.dispose();
  });
});

describe('measureLatency', () => {
  it('reports the median time per batch on the current backend, without leaking', async () => {
    const model = lenet({ inputShape: [28, 28, 1], numClasses: 10 });
    const before = tf.memory().numTensors;
    const latency = await measureLatency(model, [28, 28, 1], { batchSize: 2, warmup: 1, runs: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(latency.backend).toBe('cpu');
    expect(latency.batchSize).toBe(2);
    expect(latency.msPerBatch).toBeGreaterThan(0);
    expect(Number.isFinite(latency.msPerBatch)).toBe(true);
    model.dispose();
  });

  it('rejects an input shape the model does not take', async () => {
    const model = identityClassifier();
    await expect(measureLatency(model, [28, 28, 1])).rejects.toThrow(UserError);
    model.dispose();
  });

  it('median takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('size', () => {
  it('counts all weights, BN statistics included, as float32 bytes', () => {
    const input = tf.input({ shape: [4, 4, 1] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'conv' }).apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(conv) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: bn });
    // conv: kernel 1·1·1·2 + bias 2; bn: gamma, beta, moving mean, moving variance of 2 each.
    expect(countParams(model)).toBe(4 + 8);
    expect(weightBytes(model)).toBe(48);
    model.dispose();
  });

  it('agrees with tfjs on a built-in model', () => {
    const model = lenet({ inputShape: [28, 28, 1], numClasses: 10 });
    expect(countParams(model)).toBe(model.countParams());
    expect(weightBytes(model)).toBe(4 * model.countParams());
    model.dispose();
  });
});
