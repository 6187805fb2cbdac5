import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors';
import type { Shape } from '../core/types';
import { checkInputShape } from './predict';
import { LATENCY } from '../../contract/settings';
import { CONFIDENCE_Z } from '../../contract/select';

export interface LatencyOptions {
  batchSize?: number;
  /** Untimed runs first, so that shader compilation and allocation are not counted. */
  warmup?: number;
  runs?: number;
}

export interface Latency {
  /** Median wall time of one forward pass, input upload to output download. */
  msPerBatch: number;
  batchSize: number;
  backend: string;
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One forward pass; awaiting the data makes GPU backends finish their work. */
async function timeOnce(model: tf.LayersModel, input: tf.Tensor): Promise<number> {
  const start = performance.now();
  const output = model.predict(input) as tf.Tensor;
  try {
    await output.data();
  } finally {
    output.dispose();
  }
  return performance.now() - start;
}

/** Median forward-pass time of the model on the current backend, on a fixed input. */
export async function measureLatency(
  model: tf.LayersModel, inputShape: Shape, options: LatencyOptions = {},
): Promise<Latency> {
  const { batchSize = 1, warmup = 3, runs = 20 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`batchSize must be a positive integer, got ${batchSize}.`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new UserError(`warmup must be a non-negative integer, got ${warmup}.`);
  if (!Number.isInteger(runs) || runs < 1) throw new UserError(`runs must be a positive integer, got ${runs}.`);
  checkInputShape(model, inputShape);
  const input = tf.randomUniform([batchSize, ...inputShape], 0, 1, 'float32', 1);
  try {
    for (let i = 0; i < warmup; i++) await timeOnce(model, input);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await timeOnce(model, input));
    return { msPerBatch: median(times), batchSize, backend: tf.getBackend() };
  } finally {
    input.dispose();
  }
}

/** Least length of one timed sample, ms, and the most passes it may take to reach it. */
const SAMPLE_MS = 10;
const MAX_REPEATS = 50;
/** Pairs at least: with 6, [min, max] of the ratios covers their median 97% of the time. */
const MIN_PAIRS = 6;

export interface SpeedupOptions {
  /** Images per forward pass (default 1). */
  batchSize?: number;
  /** Pairs at least (default 10; never fewer than 6). */
  minPairs?: number;
  /** Pairs at most (default LATENCY.maxPairs). */
  maxPairs?: number;
  /** Timing stops once this much time has gone and the least pairs are timed (ms; default LATENCY.budgetMs), the warm-up included. */
  budgetMs?: number;
  /** Relative half-width of the 95% interval that ends the timing (default LATENCY.halfWidth). */
  halfWidth?: number;
  /** Untimed runs of each model first. */
  warmup?: number;
  /** The clock (tests); performance.now by default. */
  now?: () => number;
}

export interface Speedup {
  /** The median over the pairs of the reference model's time over the model's: > 1 when the model is faster. */
  speedup: number;
  /** 95% interval of the speed-up (order statistics of the pairs' ratios). */
  interval: [number, number];
  pairs: number;
  /** Median times of one forward pass, ms. */
  msModel: number;
  msReference: number;
  /** Whether the interval reached ±halfWidth (else the budget or maxPairs ended the timing). */
  settled: boolean;
  batchSize: number;
  backend: string;
}

/**
 * The speed-up from paired timings: the median of the pairs' ratios (reference time over model time), and its 95%
 * interval from order statistics (the ranks n/2 ± 1.96·√n/2 of the sorted ratios: distribution-free). A pair that a
 * load slowed on one side only is one outlying ratio, which the median ignores; a load that slows both cancels.
 */
export function pairedSpeedup(reference: number[], model: number[]): { speedup: number; interval: [number, number] } {
  const n = Math.min(reference.length, model.length);
  if (n === 0) throw new Error('no timed pairs');
  const ratios = Array.from({ length: n }, (_, i) => reference[i] / Math.max(model[i], 1e-9)).sort((a, b) => a - b);
  const spread = (CONFIDENCE_Z * Math.sqrt(n)) / 2;
  const low = Math.max(0, Math.floor(n / 2 - spread) - 1);
  const high = Math.min(n - 1, Math.ceil(n / 2 + spread) - 1);
  return { speedup: median(ratios), interval: [ratios[low], ratios[high]] };
}

/**
 * How many times faster `model` is than `reference` on one batch (docs/METHOD.md §5.5): the two timed in turn, the
 * order swapped every pair (A/B, B/A…), until the 95% interval of the paired speed-up is within ±halfWidth of it
 * (after minPairs), or the time budget or maxPairs ends it. A load that comes and goes slows both of a pair alike.
 */
export async function measureSpeedup(
  model: tf.LayersModel, reference: tf.LayersModel, inputShape: Shape, options: SpeedupOptions = {},
): Promise<Speedup> {
  const {
    batchSize = 1, minPairs = 10, maxPairs = LATENCY.maxPairs, budgetMs = LATENCY.budgetMs, halfWidth = LATENCY.halfWidth, warmup = 2,
    now = () => performance.now(),
  } = options;
  if (!Number.isInteger(minPairs) || minPairs < 1) throw new UserError(`minPairs must be a whole number ≥ 1, got ${minPairs}.`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`batchSize must be a positive integer, got ${batchSize}.`);
  // Fewer than 6 pairs: the widest order-statistics interval, [min, max], covers the median less than 95% of the time.
  const least = Math.max(MIN_PAIRS, minPairs);
  if (!(budgetMs > 0)) throw new UserError(`The latency time budget must be positive, got ${budgetMs} ms.`);
  checkInputShape(model, inputShape);
  checkInputShape(reference, inputShape);
  const input = tf.randomUniform([batchSize, ...inputShape], 0, 1, 'float32', 1);
  /** One sample: `repeats` forward passes, ms per pass. */
  const timed = async (which: tf.LayersModel, repeats = 1): Promise<number> => {
    const start = now();
    for (let i = 0; i < repeats; i++) {
      const output = which.predict(input) as tf.Tensor;
      try {
        await output.data();
      } finally {
        output.dispose();
      }
    }
    return (now() - start) / repeats;
  };
  try {
    const began = now();
    for (let i = 0; i < warmup; i++) {
      await timed(reference);
      await timed(model);
    }
    // Each sample lasts about SAMPLE_MS at least: a pass of a small model is shorter than one time slice of the
    // scheduler, and one preemption would be its whole time. Both models take the same number of passes per sample,
    // so what each sample costs besides its passes (awaiting the output) weighs on both alike.
    const probes: number[] = [];
    for (let i = 0; i < 3; i++) probes.push(Math.min(await timed(reference), await timed(model)));
    const repeats = Math.min(MAX_REPEATS, Math.max(1, Math.ceil(SAMPLE_MS / Math.max(median(probes), 1e-3))));
    const referenceTimes: number[] = [];
    const modelTimes: number[] = [];
    let settled = false;
    while (referenceTimes.length < maxPairs) {
      // Swapping the order every pair cancels what running first or second does to a time.
      if (referenceTimes.length % 2 === 0) {
        referenceTimes.push(await timed(reference, repeats));
        modelTimes.push(await timed(model, repeats));
      } else {
        modelTimes.push(await timed(model, repeats));
        referenceTimes.push(await timed(reference, repeats));
      }
      const pairs = referenceTimes.length;
      const outOfTime = now() - began >= budgetMs;
      if (pairs >= least) {
        const { speedup, interval } = pairedSpeedup(referenceTimes, modelTimes);
        if (interval[0] >= speedup * (1 - halfWidth) && interval[1] <= speedup * (1 + halfWidth)) {
          settled = true;
          break;
        }
      }
      if (outOfTime && pairs >= least) break;
    }
    const { speedup, interval } = pairedSpeedup(referenceTimes, modelTimes);
    return { speedup, interval, pairs: referenceTimes.length, msModel: median(modelTimes), msReference: median(referenceTimes), settled, batchSize, backend: tf.getBackend() };
  } finally {
    input.dispose();
  }
}
