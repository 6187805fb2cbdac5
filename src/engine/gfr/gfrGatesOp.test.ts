/**
 * The GFR layer's fused training path (trainingFusionConfig.fused.gfrGates,
 * gfrGatesOp.ts) and the distillation loss's closed-form gradient
 * (fused.distillation) against the taped reference, switches on and off in
 * one process: values and gradients on odd shapes, a few steps of the
 * engine's loop (losses and sr), and no leaked tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../backend/node';
import { type TrainingFusion, trainingFusionConfig } from '../backend/trainingFusionConfig';
import type { ImageDataset } from '../core/types';
import { maxRelativeDiff, pseudoRandom } from '../testing/kernelValues';
import { distillationLoss, Teacher } from '../train/distillation';
import { trainSparse } from '../train/sparseTraining';
import { GfrLayer, INITIAL_SR } from './gfrLayer';
import { DEFAULT_TRAIN_SETTINGS } from '../../contract/settings';

const GFR_FUSIONS: TrainingFusion[] = ['gfrGates', 'distillation'];
const setFused = (on: boolean): void => GFR_FUSIONS.forEach((key) => (trainingFusionConfig.fused[key] = on));

const read = (ts: tf.Tensor[]): Float32Array[] => ts.map((t) => t.dataSync() as Float32Array);

function expectClose(actual: Float32Array[], expected: Float32Array[], tolerance: number, what: string): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(maxRelativeDiff(a, expected[i]), `${what}, tensor ${i}`).toBeLessThan(tolerance));
}

/** Runs `f` with the GFR fusions on and then off; both results, after checking that neither leaks. */
function bothPaths(f: () => Float32Array[]): [Float32Array[], Float32Array[]] {
  const [on, off] = [true, false].map((fused) => {
    setFused(fused);
    const before = tf.memory().numTensors;
    const out = f();
    expect(tf.memory().numTensors, `fused ${fused} leaks`).toBe(before);
    return out;
  });
  return [on, off];
}

describe.each(['wasm', 'cpu'] as const)('GFR training path on %s', (backend) => {
  beforeAll(async () => {
    await useNodeBackend(backend);
  });

  afterEach(() => setFused(true));

  it.each([
    { shape: [1, 3, 5, 1], reduction: 16, temperature: 0.7 }, // one channel, batch 1
    { shape: [2, 4, 3, 3], reduction: 16, temperature: 1 }, // three channels
    { shape: [3, 2, 2, 16], reduction: 4, temperature: 2 }, // hidden width 16 / 4 = 4
    { shape: [1, 3], reduction: 16, temperature: 1.5 }, // 2D, batch 1
    { shape: [5, 1], reduction: 16, temperature: 1 }, // 2D, one channel
  ])('values and gradients of y and s match the reference layer: input $shape, r $reduction, τ $temperature', ({ shape, reduction, temperature }) => {
    const layer = new GfrLayer({ reduction, temperature, seed: 3 });
    layer.build(shape);
    const channels = shape[shape.length - 1];
    layer.trainableWeights.forEach((weight, i) => {
      const values = tf.tensor(pseudoRandom(tf.util.sizeFromShape(weight.shape as number[]), 20 + i), weight.shape as number[]);
      weight.write(values);
      values.dispose();
    });
    const size = tf.util.sizeFromShape(shape);
    const [fused, reference] = bothPaths(() => tf.tidy(() => {
      const x = tf.tensor(pseudoRandom(size, 5), shape);
      const weighY = tf.tensor(pseudoRandom(size, 6), shape);
      const weighS = tf.tensor2d(pseudoRandom(shape[0] * channels, 7), [shape[0], channels]);
      const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const loss = (input: tf.Tensor) => {
        const y = layer.apply(input, { training: true }) as tf.Tensor;
        return tf.add(tf.sum(tf.mul(y, weighY)), tf.sum(tf.mul(layer.lastGates(), weighS))) as tf.Scalar;
      };
      const y = layer.apply(x, { training: true }) as tf.Tensor;
      const gates = tf.clone(layer.lastGates());
      const { value, grads } = tf.variableGrads(() => loss(x), variables);
      const [dx] = tf.grads((input: tf.Tensor) => loss(input))([x]);
      const inference = layer.apply(x, { training: false }) as tf.Tensor;
      layer.releaseGates();
      return read([y, gates, value, dx, ...variables.map((v) => grads[v.name]), inference]);
    }));
    expectClose(fused, reference, 1e-5, `GFR ${shape}`);
    tf.dispose(layer.weights.map((w) => w.read()));
  });

  it('as built (kernel2 zero): s = INITIAL_SR for every input, kernel1 and bias1 get no gradient yet, and both paths agree', () => {
    const shape = [3, 4, 4, 6];
    const layer = new GfrLayer({ seed: 3, temperature: 0.8 });
    layer.build(shape);
    const size = tf.util.sizeFromShape(shape);
    const [fused, reference] = bothPaths(() => tf.tidy(() => {
      const x = tf.tensor(pseudoRandom(size, 5), shape);
      const weighY = tf.tensor(pseudoRandom(size, 6), shape);
      const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, weighY)) as tf.Scalar, variables);
      const gates = tf.clone(layer.lastGates());
      const inference = layer.apply(x, { training: false }) as tf.Tensor;
      layer.releaseGates();
      return read([gates, value, ...variables.map((v) => grads[v.name]), inference, tf.mul(x, INITIAL_SR)]);
    }));
    expectClose(fused, reference, 1e-5, 'GFR as built');
    const [gates, , dKernel1, dBias1, dKernel2, dBias2, inference, scaled] = fused;
    expect(Math.max(...Array.from(gates, (s) => Math.abs(s - INITIAL_SR)))).toBeLessThan(1e-6);
    expect(Math.max(...Array.from(dKernel1, Math.abs), ...Array.from(dBias1, Math.abs))).toBe(0);
    expect(Math.max(...Array.from(dKernel2, Math.abs))).toBeGreaterThan(0);
    expect(Math.max(...Array.from(dBias2, Math.abs))).toBeGreaterThan(0);
    expect(maxRelativeDiff(inference, scaled)).toBeLessThan(1e-6);
    tf.dispose(layer.weights.map((w) => w.read()));
  });

  it('the distillation loss and its gradient match the taped formula', () => {
    const [fused, reference] = bothPaths(() => tf.tidy(() => {
      const teacher = tf.tensor2d(pseudoRandom(3 * 4, 8), [3, 4]);
      const student = tf.tensor2d(pseudoRandom(3 * 4, 9), [3, 4]);
      // A weight on the loss, so that the upstream gradient is not 1.
      const { value, grads } = tf.valueAndGrads((s: tf.Tensor) => tf.mul(distillationLoss(tf.mul(s, 3) as tf.Tensor2D, teacher, 2.5), 1.7) as tf.Scalar)([student]);
      const out = read([value, ...grads]);
      return out;
    }));
    expectClose(fused, reference, 1e-5, 'distillation');
  });

  it('four steps of the engine\'s loop on a GFR model with a teacher: the same losses and sr', async () => {
    const [height, width, channels, classes, count] = [6, 5, 3, 3, 12];
    const data: ImageDataset = {
      images: pseudoRandom(count * height * width * channels, 31), labels: Int32Array.from({ length: count }, (_, i) => i % classes),
      count, height, width, channels, numClasses: classes, classNames: ['a', 'b', 'c'], source: 'test',
    };
    const build = (): tf.Sequential => {
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [height, width, channels], filters: 5, kernelSize: 3, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
          tf.layers.batchNormalization(),
          new GfrLayer({ seed: 2, temperature: 0.8 }),
          tf.layers.reLU(),
          tf.layers.flatten(),
          tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
          tf.layers.batchNormalization(),
          new GfrLayer({ seed: 4 }),
          tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }),
        ],
      });
      return model;
    };
    const teacherModel = build();
    const settings = { ...DEFAULT_TRAIN_SETTINGS, epochs: 1, batchSize: 3, learningRate: 1e-2, lambdaS: 1e-2, target: 0, targetMode: 'fixed' as const, srMomentum: 0.5 };
    const run = async (fused: boolean) => {
      setFused(fused);
      const model = build();
      const before = tf.memory().numTensors;
      const losses: number[] = [];
      await trainSparse(model, data, settings, {
        teacher: new Teacher(teacherModel, 'softmax', data), onEvent: (e) => e.kind === 'step' && losses.push(e.loss),
      });
      expect(tf.memory().numTensors, `fused ${fused} leaks`).toBe(before);
      const sr = model.weights.filter((w) => w.originalName.endsWith('/sr')).map((w) => w.read().dataSync() as Float32Array);
      model.dispose();
      return { losses, sr };
    };
    const fused = await run(true);
    const reference = await run(false);
    expect(fused.losses).toHaveLength(4);
    fused.losses.forEach((loss, i) => expect(Math.abs(loss - reference.losses[i]), `step ${i + 1}`).toBeLessThan(1e-5));
    expectClose(fused.sr, reference.sr, 1e-5, 'sr');
    teacherModel.dispose();
  });
});
