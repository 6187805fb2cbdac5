import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitDataset } from './data/split';
import { hasGfrLayers } from './gfr/instrument';
import { DEFAULT_SEARCH_SETTINGS } from './search/gridSearch';
import { CompressionSession } from './session';
import { syntheticDataset } from './testing/syntheticData';
import { flattenModel, residualModel } from './testing/tinyModels';
import { DEFAULT_TRAIN_SETTINGS } from './train/sparseTraining';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const data = splitDataset(syntheticDataset(90), { valCount: 30, seed: 2 });
const train = { ...DEFAULT_TRAIN_SETTINGS, epochs: 1, batchSize: 20, learningRate: 0.01 };
const search = { ...DEFAULT_SEARCH_SETTINGS, ratios: [0, 0.5], refineSteps: 0, recalibrationBatches: 1, latencyRuns: 1 };

async function drain<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterator) items.push(item);
  return items;
}

describe('CompressionSession', () => {
  it('trains the gamma baseline without GFR layers and the gfr criterion with them, from the same start', async () => {
    const session = new CompressionSession(await residualModel(), data);
    await session.train('gamma', train);
    expect(hasGfrLayers(session.trained)).toBe(false);
    await expect(drain(session.search({ ...search, criterion: 'gfr' }))).rejects.toThrow(/needs sparse training with GFR/);
    expect((await drain(session.search({ ...search, criterion: 'gamma' }))).length).toBe(2);
    await session.train('gfr', train);
    expect(hasGfrLayers(session.trained)).toBe(true);
    expect(hasGfrLayers(session.original)).toBe(false);
  });

  it('prunes a model as it is with l1 (no training), and exports any candidate', async () => {
    const session = new CompressionSession(await residualModel(), data);
    const steps = await drain(session.search({ ...search, criterion: 'l1' }));
    expect(steps[1].candidate.keptChannels).toBeLessThan(steps[0].candidate.keptChannels);
    const artifacts = session.exportCandidate(1);
    expect(JSON.stringify(artifacts.modelTopology)).not.toContain('"GFR"');
    expect(() => session.exportCandidate(9)).toThrow(/no candidate #9/);
  });

  it('pauses training until resumed', async () => {
    const session = new CompressionSession(await residualModel(), data);
    let release: () => void = () => {};
    let paused = true;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let steps = 0;
    const run = session.train('l1', train, { whilePaused: () => (paused ? gate : Promise.resolve()), onEvent: (e) => e.kind === 'step' && steps++ });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(steps).toBe(0);
    paused = false;
    release();
    await run;
    expect(steps).toBe(3);
  });

  it('says when model and data do not fit together', async () => {
    const otherShape = { ...data, train: { ...data.train, height: 8 } };
    const spec = await flattenModel();
    expect(() => new CompressionSession(spec, otherShape)).toThrow(/expects 6×6×2 inputs but the data has 8×6×2/);
  });
});
