import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../graph/analyze';
import { insertGfrLayers } from '../gfr/instrument';
import { modelFromSpec } from '../io/modelSpec';
import { syntheticDataset } from '../testing/syntheticData';
import { residualModel } from '../testing/tinyModels';
import { batchStatisticsHits, GUARD_BATCH_SIZE, readGuard } from './accuracyGuard';
import { pairedStandardError } from '../eval/pairedDifference';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function movingStatistics(model: tf.LayersModel): Float32Array[] {
  return model.weights.filter((weight) => /moving_(mean|variance)$/.test(weight.originalName)).map((weight) => weight.read().dataSync() as Float32Array);
}

/** Top-1 accuracy with batch statistics, as the guard reads it. */
const batchStatisticsAccuracy = async (model: tf.LayersModel, data: Parameters<typeof batchStatisticsHits>[1]): Promise<number> =>
  (await readGuard(model, { data, floor: 0, every: 1 })).accuracy;

describe('the guard\'s reading', () => {
  // More images than one batch, so that the last batch is partial.
  const data = syntheticDataset(GUARD_BATCH_SIZE + 22);

  /** The guard's reading, checked to leave no tensor behind and the moving statistics as they were. */
  async function readingLeavingModelAsIs(model: tf.LayersModel): Promise<number> {
    const before = movingStatistics(model);
    const tensors = tf.memory().numTensors;
    const accuracy = await batchStatisticsAccuracy(model, data);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    expect(movingStatistics(model)).toEqual(before);
    return accuracy;
  }

  it('gives the top-1 accuracy with batch statistics, leaves the moving statistics as they were, and leaks nothing', async () => {
    const model = await modelFromSpec(await residualModel());
    const before = movingStatistics(model);
    expect(before.length).toBe(4);
    const accuracy = await readingLeavingModelAsIs(model);

    // By hand, batch by batch in training mode: the same figure (and the moving statistics do move).
    let correct = 0;
    for (let start = 0; start < data.count; start += GUARD_BATCH_SIZE) {
      const size = Math.min(GUARD_BATCH_SIZE, data.count - start);
      const per = data.height * data.width * data.channels;
      correct += tf.tidy(() => {
        const x = tf.tensor4d(data.images.subarray(start * per, (start + size) * per), [size, data.height, data.width, data.channels]);
        const predicted = tf.argMax(model.apply(x, { training: true }) as tf.Tensor, 1).dataSync();
        return Array.from(predicted).filter((label, k) => label === data.labels[start + k]).length;
      });
    }
    expect(accuracy).toBe(correct / data.count);
    expect(movingStatistics(model)).not.toEqual(before);
    model.dispose();
  });

  it('does not depend on the moving statistics, even where inference with them fails', async () => {
    const model = await modelFromSpec(await residualModel());
    const withGoodStatistics = await batchStatisticsAccuracy(model, data);
    for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      const [gamma, beta, mean, variance] = layer.getWeights();
      layer.setWeights([gamma, beta, tf.fill(mean.shape, 50), variance]);
    }
    const predictions = tf.tidy(() => {
      const outputs = model.predict(tf.tensor4d(data.images, [data.count, data.height, data.width, data.channels])) as tf.Tensor;
      return new Set(tf.argMax(outputs, 1).dataSync()).size;
    });
    // In inference, every channel is far below zero before the ReLUs: one class for every image.
    expect(predictions).toBe(1);
    const before = movingStatistics(model);
    expect(await batchStatisticsAccuracy(model, data)).toBe(withGoodStatistics);
    expect(movingStatistics(model)).toEqual(before);
    model.dispose();
  });

  it('releases the gates of GFR layers and leaks nothing', async () => {
    const spec = await residualModel();
    const model = await modelFromSpec(insertGfrLayers(spec, analyzeModel(spec), { seed: 2 }));
    await readingLeavingModelAsIs(model);
    model.dispose();
  });

  it('fails a reading only when it is below the floor by more than the noise of its difference with the original', async () => {
    const model = await modelFromSpec(await residualModel());
    const hits = await batchStatisticsHits(model, data);
    const wrong = Array.from(hits).flatMap((hit, i) => (hit ? [] : [i]));
    expect(wrong.length).toBeGreaterThan(20);
    // An original right on 20 more images: 20/n above this model.
    const referenceHits = Uint8Array.from(hits);
    wrong.slice(0, 20).forEach((i) => (referenceHits[i] = 1));
    const accuracy = hits.reduce((a, b) => a + b, 0) / data.count;
    const original = accuracy + 20 / data.count;
    const noise = pairedStandardError(referenceHits, hits);
    const guard = (floor: number) => ({ data, floor, every: 1, referenceHits });
    // Below the floor, but by less than one standard error: passes.
    const near = await readGuard(model, guard(accuracy + noise / 2));
    expect(near).toEqual({ accuracy, noise, passes: true });
    expect(original).toBeGreaterThan(accuracy + noise / 2);
    // Below by more: fails; and without the original's hits any reading below the floor fails.
    expect((await readGuard(model, guard(accuracy + 2 * noise))).passes).toBe(false);
    expect((await readGuard(model, { data, floor: accuracy + noise / 2, every: 1 })).passes).toBe(false);
    model.dispose();
  });
});
