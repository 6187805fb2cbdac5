import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelFromSpec } from '../io/modelSpec';
import { syntheticDataset } from '../testing/syntheticData';
import { expectNoLeaks, maxAbsDifference } from '../testing/tensors';
import { flattenModel } from '../testing/tinyModels';
import { recalibrateBatchNorm } from './recalibrate';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

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
});
