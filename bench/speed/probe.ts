/**
 * The speed measurements themselves, browser-safe (no Node imports): the
 * Node benchmark and the bench page's worker both call these on whatever
 * tfjs backend is active. Training runs the engine's own loop
 * (CompressionSession.train, plain mode) on random images: throughput does
 * not depend on the pixels.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset, ModelSpec } from '../../src/engine/core/types';
import { measureLatency, median } from '../../src/engine/eval/latency';
import { analyzeModel } from '../../src/engine/graph/analyze';
import { modelFromSpec, specFromModel } from '../../src/engine/io/modelSpec';
import { applyPlan } from '../../src/engine/prune/applyPlan';
import { rankChannels, scoreChannels } from '../../src/engine/score/importance';
import { planForRatio } from '../../src/contract/plan';
import { CompressionSession } from '../../src/engine/session';
import { DEFAULT_TRAIN_SETTINGS } from '../../src/contract/settings';
import { buildBuiltinModel } from '../../src/engine/zoo';
import type { LatencyPair, PruningLatency, TrainingSpeed } from './types';

export const SPEED_MODEL = 'vgg';
export const SPEED_INPUT: [number, number, number] = [28, 28, 1];
export const SPEED_CLASSES = 10;
export const SPEED_BATCH = 64;
/** The pruned model of the latency comparison: this share of channels removed, evenly over the layers. */
export const LATENCY_RATIO = 0.5;

export interface TrainingProbe {
  steps: number;
  warmupSteps: number;
  batchSize: number;
}

export interface LatencyProbe {
  batchSizes: number[];
  runs: number;
}

export async function speedModelSpec(input: [number, number, number] = SPEED_INPUT, name = SPEED_MODEL): Promise<ModelSpec> {
  const model = buildBuiltinModel(name, { inputShape: input, numClasses: SPEED_CLASSES, seed: 1 });
  try {
    return await specFromModel(model);
  } finally {
    model.dispose();
  }
}

/** Uniform random pixels and labels from a fixed seed. */
export function randomImages(count: number, input: [number, number, number] = SPEED_INPUT): ImageDataset {
  const [height, width, channels] = input;
  let state = 12345;
  const next = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const images = Float32Array.from({ length: count * height * width * channels }, next);
  const labels = Int32Array.from({ length: count }, () => Math.floor(next() * SPEED_CLASSES));
  return { images, labels, count, height, width, channels, numClasses: SPEED_CLASSES, classNames: Array.from({ length: SPEED_CLASSES }, (_, i) => String(i)), source: 'random images' };
}

/**
 * Training images/s of the engine's loop: the batch over the median step time
 * after the warm-up steps (shader compilation, allocation). The median, not
 * the mean, so that a burst of load from other processes does not decide it.
 */
export async function measureTraining(probe: TrainingProbe): Promise<TrainingSpeed> {
  const total = probe.warmupSteps + probe.steps;
  const data = randomImages(total * probe.batchSize);
  const session = new CompressionSession(await speedModelSpec(), { train: data, validation: data });
  const stepMs: number[] = [];
  let previousMs = 0;
  await session.train('l1', { ...DEFAULT_TRAIN_SETTINGS, epochs: 1, batchSize: probe.batchSize, maxSteps: total }, {
    onEvent(event) {
      if (event.kind !== 'step') return;
      if (event.step > probe.warmupSteps) stepMs.push(event.elapsedMs - previousMs);
      previousMs = event.elapsedMs;
    },
  });
  return { backend: tf.getBackend(), imagesPerSec: (probe.batchSize * 1000) / median(stepMs), steps: probe.steps, warmupSteps: probe.warmupSteps, batchSize: probe.batchSize };
}

/** The model with LATENCY_RATIO of its channels removed, each layer by the L1 norm of its filters. */
export function prunedSpec(spec: ModelSpec): ModelSpec {
  const analysis = analyzeModel(spec);
  const ranking = rankChannels(scoreChannels(spec, analysis, { criterion: 'l1' }), 'normalized');
  return applyPlan(spec, analysis, planForRatio(ranking, analysis, LATENCY_RATIO));
}

/** Median forward-pass time of the unpruned and the pruned model, per batch size. */
export async function measurePruningLatency(probe: LatencyProbe): Promise<PruningLatency> {
  const unpruned = await speedModelSpec();
  const pruned = prunedSpec(unpruned);
  const flopsUnpruned = analyzeModel(unpruned).flops;
  const flopsPruned = analyzeModel(pruned).flops;
  const [unprunedModel, prunedModel] = await Promise.all([modelFromSpec(unpruned), modelFromSpec(pruned)]);
  try {
    const runs: LatencyPair[] = [];
    for (const batchSize of probe.batchSizes) {
      const options = { batchSize, runs: probe.runs, warmup: 2 };
      const unprunedMs = (await measureLatency(unprunedModel, SPEED_INPUT, options)).msPerBatch;
      const prunedMs = (await measureLatency(prunedModel, SPEED_INPUT, options)).msPerBatch;
      runs.push({ batchSize, unprunedMs, prunedMs });
    }
    return { ratio: LATENCY_RATIO, flopsUnpruned, flopsPruned, flopsRatio: flopsPruned / flopsUnpruned, runs };
  } finally {
    unprunedModel.dispose();
    prunedModel.dispose();
  }
}
