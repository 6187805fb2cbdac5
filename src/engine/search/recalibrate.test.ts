import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../core/types';
import { splitDataset } from '../data/split';
import { evaluate } from '../eval/evaluate';
import { modelFromSpec } from '../io/modelSpec';
import { syntheticDataset } from '../testing/syntheticData';
import { expectNoLeaks, maxAbsDifference } from '../testing/tensors';
import { flattenModel, twoConvModel } from '../testing/tinyModels';
import { trainSparse } from '../train/sparseTraining';
import { recalibrateBatchNorm, recalibrateIfBetter, type RecalibrationOptions } from './recalibrate';
import { DEFAULT_TRAIN_SETTINGS } from '../../contract/settings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const OPTIONS: RecalibrationOptions = { batches: 10, batchSize: 16, seed: 1 };

/** Every weight of every layer, by name, as plain arrays. */
function snapshot(model: tf.LayersModel): Record<string, Float32Array> {
  return Object.fromEntries(model.weights.map((weight) => [weight.originalName, weight.read().dataSync() as Float32Array]));
}

function bnStatistics(model: tf.LayersModel, name: string): Float32Array[] {
  const [, , mean, variance] = model.getLayer(name).getWeights();
  return [mean.dataSync() as Float32Array, variance.dataSync() as Float32Array];
}

function writeStatistics(model: tf.LayersModel, mean: number, variance: number): void {
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    const [gamma, beta, m, v] = layer.getWeights();
    layer.setWeights([gamma, beta, tf.fill(m.shape, mean), tf.fill(v.shape, variance)]);
  }
}

describe('recalibrateBatchNorm', () => {
  it('sets each BN moving mean and variance to the statistics of its input over the batches', async () => {
    const data = syntheticDataset(40);
    const model = await modelFromSpec(await flattenModel());
    await expectNoLeaks(() => recalibrateBatchNorm(model, data, { batches: 10, batchSize: 16, seed: 1 }));
    const conv = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv1').output as tf.SymbolicTensor });
    const [expectedMean, expectedVariance] = tf.tidy(() => {
      const outputs = (conv.predict(tf.tensor4d(data.images, [data.count, 6, 6, 2])) as tf.Tensor).reshape([-1, 4]);
      const { mean, variance } = tf.moments(outputs, 0);
      return [mean.dataSync(), variance.dataSync()];
    });
    const [, , movingMean, movingVariance] = model.getLayer('bn1').getWeights();
    expect(maxAbsDifference(movingMean.dataSync(), expectedMean)).toBeLessThan(1e-4);
    expect(maxAbsDifference(movingVariance.dataSync(), expectedVariance)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('touches only the layers it is given', async () => {
    const model = await modelFromSpec(await twoConvModel(1));
    const before = snapshot(model);
    await recalibrateBatchNorm(model, syntheticDataset(40), { ...OPTIONS, layers: ['bn2'] });
    const after = snapshot(model);
    for (const [name, values] of Object.entries(before)) {
      if (/^bn2\/moving_(mean|variance)$/.test(name)) expect(maxAbsDifference(after[name], values), name).toBeGreaterThan(1e-3);
      else expect(after[name], name).toEqual(values);
    }
    model.dispose();
  });
});

describe('recalibrateIfBetter', () => {
  const { train: fit, validation: calibration } = splitDataset(syntheticDataset(150), { valCount: 30, seed: 4 });

  /** twoConvModel(1) (a logits head) trained a little on `fit`. */
  async function trained(): Promise<tf.LayersModel> {
    const model = await modelFromSpec(await twoConvModel(1));
    await trainSparse(model, fit, { ...DEFAULT_TRAIN_SETTINGS, epochs: 6, batchSize: 16, learningRate: 0.02, target: 0, lambdaGamma: 0, lambdaS: 0 }, { outputKind: 'logits' });
    return model;
  }
  const choose = (model: tf.LayersModel, data: ImageDataset = fit, options: RecalibrationOptions = OPTIONS) =>
    recalibrateIfBetter(model, { fit: data, calibration, outputKind: 'logits' }, options);

  it('keeps the statistics it has when recalibration measures no better, bit for bit', async () => {
    const model = await trained();
    // Statistics that are already exactly what recalibration measures: it cannot improve on them.
    await recalibrateBatchNorm(model, fit, OPTIONS);
    const exact = snapshot(model);
    const tie = await expectNoLeaks(() => choose(model));
    expect(tie.kept).toBe(false);
    expect(snapshot(model)).toEqual(exact);
    expect(tie.calibration.accuracy).toBe((await evaluate(model, calibration, { outputKind: 'logits' })).accuracy);

    // Statistics exact for the calibration images, while the fit images are off (brighter): recalibration would hurt.
    await recalibrateBatchNorm(model, calibration, { ...OPTIONS, batchSize: calibration.count });
    const good = snapshot(model);
    const before = await evaluate(model, calibration, { outputKind: 'logits' });
    const brighter = { ...fit, images: Float32Array.from(fit.images, (value) => 3 * value + 1) };
    const worse = await choose(model, brighter);
    expect(worse.kept).toBe(false);
    expect(snapshot(model)).toEqual(good);
    expect(worse.calibration.accuracy).toBe(before.accuracy);
    expect(worse.calibration.loss).toBe(before.loss);
    // What it turned down: the brighter statistics measure worse.
    await recalibrateBatchNorm(model, brighter, OPTIONS);
    const rejected = await evaluate(model, calibration, { outputKind: 'logits' });
    expect(rejected.accuracy < before.accuracy || (rejected.accuracy === before.accuracy && rejected.loss >= before.loss)).toBe(true);
    expect(maxAbsDifference(bnStatistics(model, 'bn1')[0], good['bn1/moving_mean'])).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('keeps recalibrated statistics when the moving statistics are wrong', async () => {
    const model = await trained();
    writeStatistics(model, 3, 0.01);
    const before = await evaluate(model, calibration, { outputKind: 'logits' });
    const choice = await expectNoLeaks(() => choose(model));
    expect(choice.kept).toBe(true);
    expect(choice.calibration.accuracy).toBeGreaterThan(before.accuracy);
    expect(choice.calibration.accuracy).toBeGreaterThan(0.8);
    // It reports the model as it left it.
    const now = await evaluate(model, calibration, { outputKind: 'logits' });
    expect(now.accuracy).toBe(choice.calibration.accuracy);
    expect(now.loss).toBeCloseTo(choice.calibration.loss, 6);
    expect(Math.max(...bnStatistics(model, 'bn1')[1])).toBeGreaterThan(0.01);
    model.dispose();
  });

  it('with layers, saves, recalibrates and restores only those', async () => {
    const model = await trained();
    writeStatistics(model, 3, 0.01);
    const before = snapshot(model);
    const choice = await choose(model, fit, { ...OPTIONS, layers: ['bn2'] });
    const after = snapshot(model);
    expect(after['bn1/moving_mean']).toEqual(before['bn1/moving_mean']);
    expect(after['bn1/moving_variance']).toEqual(before['bn1/moving_variance']);
    if (choice.kept) expect(maxAbsDifference(after['bn2/moving_mean'], before['bn2/moving_mean'])).toBeGreaterThan(1e-3);
    else expect(after).toEqual(before);
    model.dispose();
  });
});
