/**
 * The paired latency measurement (docs/METHOD.md §5.5): a model of far greater cost is ordered right, with an
 * interval that says so, even while another thread keeps a core busy; the timing stops on the interval's width or
 * its budget. No assertion on wall-clock figures: only on order and on the rule.
 */
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../testing/tensors';
import { measureSpeedup, pairedSpeedup } from './latency';

/** A small conv net: `channels` filters in each of three 3×3 convolutions on 24×24×3 images. */
function convNet(channels: number): tf.LayersModel {
  const input = tf.input({ shape: [24, 24, 3] });
  let x: tf.SymbolicTensor = input;
  for (let i = 0; i < 3; i++) x = tf.layers.conv2d({ filters: channels, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: i + 1 }) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10 }).apply(x) as tf.SymbolicTensor });
}

let busy: Worker | null = null;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(async () => {
  await busy?.terminate();
});

describe('measureSpeedup', () => {
  it('orders a model of 4× the channels behind the small one, interval and all, while another thread spins', async () => {
    // Another process's load: a thread that spins until it is ended, started before the timing.
    busy = new Worker('const stop = Date.now() + 120000; while (Date.now() < stop) {}', { eval: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const small = convNet(4);
    const large = convNet(16);
    const [faster, slower] = await expectNoLeaks(async () => [
      await measureSpeedup(small, large, [24, 24, 3], { budgetMs: 3000, minPairs: 8 }),
      await measureSpeedup(large, small, [24, 24, 3], { budgetMs: 3000, minPairs: 8 }),
    ]);
    await busy.terminate();
    busy = null;
    // The small model is faster than the large one, over the whole 95% interval; the other way round, slower.
    expect(faster.speedup).toBeGreaterThan(1);
    expect(faster.interval[0]).toBeGreaterThan(1);
    expect(faster.interval[0]).toBeLessThanOrEqual(faster.speedup);
    expect(faster.interval[1]).toBeGreaterThanOrEqual(faster.speedup);
    expect(slower.speedup).toBeLessThan(1);
    expect(slower.interval[1]).toBeLessThan(1);
    expect(faster.pairs).toBeGreaterThanOrEqual(8);
    small.dispose();
    large.dispose();
  });

  it('stops once the interval is within ±10% (after the least pairs), or when its time is spent', async () => {
    const model = convNet(2);
    // A clock that moves one unit per reading: both models take exactly one unit, so the interval is [1, 1] at once.
    let tick = 0;
    const even = await measureSpeedup(model, model, [24, 24, 3], { minPairs: 10, now: () => tick++ });
    expect(even).toMatchObject({ speedup: 1, interval: [1, 1], settled: true });
    expect(even.pairs).toBe(10);
    // Out of time before the first pair: the least pairs (6, however few are asked for), and the interval of those.
    const hurried = await measureSpeedup(model, model, [24, 24, 3], { budgetMs: 1e-9, minPairs: 2 });
    expect(hurried.pairs).toBe(6);
    // Settled only if those 6 pairs happen to agree within ±10% (a quiet machine may time a model against itself
    // that closely); the word follows the interval, not the clock.
    const { speedup, interval } = hurried;
    expect(hurried.settled).toBe(interval[0] >= speedup * 0.9 && interval[1] <= speedup * 1.1);
    // A batch of images per pass, when asked (the benchmark times batch 32).
    const batches: number[] = [];
    const predict = model.predict.bind(model);
    model.predict = (input, config) => {
      batches.push((input as tf.Tensor).shape[0]!);
      return predict(input, config);
    };
    expect((await measureSpeedup(model, model, [24, 24, 3], { batchSize: 5, minPairs: 6, now: () => tick++ })).batchSize).toBe(5);
    expect(new Set(batches)).toEqual(new Set([5]));
    await expect(measureSpeedup(model, model, [24, 24, 3], { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer, got 0/);
    model.dispose();
  });

  it('takes the median of the pairs\' ratios, with an interval from order statistics', () => {
    // A load that slows both models of some pairs 3×: paired, every ratio is 2.
    expect(pairedSpeedup([4, 12, 4, 12, 4, 4, 12, 4], [2, 6, 2, 6, 2, 2, 6, 2])).toEqual({ speedup: 2, interval: [2, 2] });
    // One pair slowed on one side only: one outlying ratio, which the median leaves out.
    const ratios = [1.9, 2, 2.1, 1.95, 2.05, 2, 0.2, 2, 1.98, 2.02, 2.01, 1.99];
    const { speedup, interval } = pairedSpeedup(ratios.map((r) => r * 3), ratios.map(() => 3));
    expect(speedup).toBeCloseTo(2, 6);
    expect(interval[0]).toBeGreaterThan(1.8);
    expect(interval[1]).toBeLessThan(2.2);
    expect(interval[0]).toBeLessThan(2);
  });
});
