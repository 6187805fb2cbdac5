/**
 * A long run on the wasm backend: 1,000+ sparse-training steps and a full grid search keep tf.memory() flat.
 * A leak of one small tensor a step would show as a count that climbs by a thousand.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from './backend/node';
import { splitDataset } from './data/split';
import { DEFAULT_SEARCH_SETTINGS, DEFAULT_TRAIN_SETTINGS } from '../contract/settings';
import { CompressionSession } from './session';
import { syntheticDataset } from './testing/syntheticData';
import { residualModel } from './testing/tinyModels';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

const WARM_UP_STEPS = 50;

describe('a long run on wasm', () => {
  it('trains 1,000+ steps and runs a full search with tf.memory() flat after warm-up', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const data = splitDataset(syntheticDataset(400), { valCount: 100, seed: 3 });
    const session = new CompressionSession(await residualModel(), data, { trainedStart: false });
    const before = tf.memory();
    const readings: { step: number; tensors: number; bytes: number }[] = [];
    const settings = { ...DEFAULT_TRAIN_SETTINGS, epochs: 35, batchSize: 8, learningRate: 0.003, target: 0.3, targetMode: 'fixed' as const };
    const start = performance.now();
    const summary = await session.train('gfr', settings, {
      onEvent: (event) => {
        if (event.kind === 'step' && event.step >= WARM_UP_STEPS) readings.push({ step: event.step, tensors: tf.memory().numTensors, bytes: tf.memory().numBytes });
      },
    });
    const trainMs = performance.now() - start;
    expect(summary.steps).toBeGreaterThanOrEqual(1000);
    const tensors = readings.map((r) => r.tensors);
    const bytes = readings.map((r) => r.bytes);
    const spread = { tensors: Math.max(...tensors) - Math.min(...tensors), bytes: Math.max(...bytes) - Math.min(...bytes) };
    expect(spread).toEqual({ tensors: 0, bytes: 0 });

    const searchStart = performance.now();
    let candidates = 0;
    const perCandidate = new Set<string>();
    for await (const step of session.search({ ...DEFAULT_SEARCH_SETTINGS, criterion: 'gfr', latencyRuns: 2 })) {
      candidates = step.candidate.index + 1;
      perCandidate.add(`${tf.memory().numTensors}/${tf.memory().numBytes}`);
    }
    expect([...perCandidate]).toHaveLength(1);
    const searchMs = performance.now() - searchStart;
    // The default grid, to its end (ratios that remove nothing more, or everything, give no candidate of their own).
    expect(candidates).toBeGreaterThan(1);
    // Training and search hold their tensors only while they run: afterwards the engine is back where it started.
    const after = tf.memory();
    expect({ tensors: after.numTensors, bytes: after.numBytes }).toEqual({ tensors: before.numTensors, bytes: before.numBytes });
    process.stdout.write(`long run: ${summary.steps} steps in ${(trainMs / 1000).toFixed(1)} s, ${readings.length} readings after step ${WARM_UP_STEPS}: `
      + `${tensors[0]} tensors, ${bytes[0]} bytes, spread ${spread.tensors} / ${spread.bytes}; search ${candidates} candidates in ${(searchMs / 1000).toFixed(1)} s; `
      + `before ${before.numTensors} tensors / ${before.numBytes} bytes, after ${after.numTensors} / ${after.numBytes}\n`);
  }, 600_000);
});
