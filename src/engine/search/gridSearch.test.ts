import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset, ModelSpec } from '../core/types';
import { splitDataset } from '../data/split';
import { evaluate } from '../eval/evaluate';
import { analyzeModel } from '../graph/analyze';
import { foldGfrLayers, insertGfrLayers } from '../gfr/instrument';
import { artifactsFromSpec, modelFromSpec, specFromModel } from '../io/modelSpec';
import { syntheticDataset } from '../testing/syntheticData';
import { expectNoLeaks } from '../testing/tensors';
import { flattenModel, residualModel } from '../testing/tinyModels';
import { trainSparse } from '../train/sparseTraining';
import { DEFAULT_SEARCH_SETTINGS, DEFAULT_TRAIN_SETTINGS } from '../../contract/settings';
import type { Candidate } from '../../contract/candidate';
import { gridSearch, refinementRatios, type SearchStep } from './gridSearch';
import { selectCandidate, type ReferenceAccuracy } from '../../contract/select';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const { train, validation } = splitDataset(syntheticDataset(120), { valCount: 30, seed: 1 });
// Held-out training images for the tolerance rule and the recalibration choice.
const { train: fit, validation: calibration } = splitDataset(train, { valCount: 15, seed: 2 });
const settings = { ...DEFAULT_SEARCH_SETTINGS, ratios: [0, 0.25, 0.5, 0.75], refineSteps: 1, recalibrationBatches: 2, batchSize: 16, latencyRuns: 2, latencyBudgetMs: 100 };

async function trainedResidual() {
  return trainedWithGfr(await residualModel());
}

async function trainedWithGfr(spec: ModelSpec): Promise<ModelSpec> {
  const model = await modelFromSpec(insertGfrLayers(spec, analyzeModel(spec), { seed: 2 }));
  await trainSparse(model, fit, { ...DEFAULT_TRAIN_SETTINGS, epochs: 3, batchSize: 16, learningRate: 0.01 }, { outputKind: 'logits' });
  const trained = await specFromModel(model);
  model.dispose();
  return trained;
}

/** The trained model's own figures, folded and unpruned, as the reference. */
async function referenceOf(trained: ModelSpec): Promise<ReferenceAccuracy> {
  const model = await modelFromSpec(foldGfrLayers(trained));
  const accuracy = (await evaluate(model, validation, { outputKind: 'logits' })).accuracy;
  const calibrationAccuracy = (await evaluate(model, calibration, { outputKind: 'logits' })).accuracy;
  model.dispose();
  return { accuracy, calibrationAccuracy };
}

/** `data` with each image labelled with the class the trained model (GFR folded) gives it. */
async function relabelled(trained: ModelSpec, data: ImageDataset): Promise<ImageDataset> {
  const model = await modelFromSpec(foldGfrLayers(trained));
  const outputs = tf.tidy(() => model.predict(tf.tensor4d(data.images, [data.count, data.height, data.width, data.channels])) as tf.Tensor2D);
  const labels = tf.tidy(() => outputs.argMax(1).dataSync());
  const numClasses = outputs.shape[1];
  outputs.dispose();
  model.dispose();
  return { ...data, labels: Int32Array.from(labels), numClasses, classNames: Array.from({ length: numClasses }, (_, k) => `class ${k}`) };
}

describe('gridSearch', () => {
  it('yields the baseline then one candidate per ratio; each export reloads with stock tfjs and predicts what was measured', async () => {
    const trained = await trainedResidual();
    const reference = await referenceOf(trained);
    const steps: SearchStep[] = await expectNoLeaks(async () => {
      const collected: SearchStep[] = [];
      for await (const step of gridSearch({ trained, fit, calibration, validation, reference, outputKind: 'logits' }, settings)) collected.push(step);
      return collected;
    });
    const candidates = steps.map((step) => step.candidate);
    expect(candidates[0].stage).toBe('baseline');
    expect(candidates[0].keptChannels).toBe(candidates[0].prunableChannels);
    // Nothing removed: the baseline is the model it was given, statistics and all.
    expect(candidates[0].recalibrated).toBe(false);
    expect(candidates[0].accuracy).toBe(reference.accuracy);
    expect(candidates[0].calibrationAccuracy).toBe(reference.calibrationAccuracy);
    expect(candidates.filter((c) => c.stage === 'grid').map((c) => c.ratio)).toEqual([0.25, 0.5, 0.75]);
    for (let i = 1; i < 4; i++) {
      expect(candidates[i].params).toBeLessThan(candidates[i - 1].params);
      expect(candidates[i].flops).toBeLessThan(candidates[i - 1].flops);
    }
    // Latency: each candidate timed in turn with the unpruned model; every figure on the baseline's scale.
    for (const c of candidates) {
      expect(c.speedupPairs).toBeGreaterThanOrEqual(6);
      expect(c.speedupInterval![0]).toBeLessThanOrEqual(c.speedup!);
      expect(c.speedupInterval![1]).toBeGreaterThanOrEqual(c.speedup!);
      if (c.stage !== 'baseline') expect(c.latencyMs).toBeCloseTo(candidates[0].latencyMs / c.speedup!, 9);
    }
    const calibrationMismatches: object[] = [];
    for (const { candidate, spec } of steps) {
      expect(spec.layers.some((layer) => layer.className === 'GFR')).toBe(false);
      const reloaded = await tf.loadLayersModel(tf.io.fromMemory(artifactsFromSpec(spec)));
      const evaluation = await evaluate(reloaded, validation);
      expect(evaluation.outputKind).toBe('logits');
      expect(evaluation.accuracy).toBe(candidate.accuracy);
      expect(evaluation.loss).toBeCloseTo(candidate.loss, 6);
      const calibrationAccuracy = (await evaluate(reloaded, calibration)).accuracy;
      if (calibrationAccuracy !== candidate.calibrationAccuracy) calibrationMismatches.push({ index: candidate.index, recalibrated: candidate.recalibrated, measured: candidate.calibrationAccuracy, exported: calibrationAccuracy });
      reloaded.dispose();
    }
    // The calibration figure the tolerance rule chooses by is the exported model's, with the statistics it kept.
    expect(calibrationMismatches).toEqual([]);
  });

  it('with a tolerance, refines halfway between the last grid ratio whose exported model is within it and the first that is not', async () => {
    // Flatten → Dense keeps where in the image a feature is, which is what tells these images apart (GAP would not).
    // 8 channels: a refined ratio between two grid ratios (a quarter apart) removes a channel count of its own.
    const trained = await trainedWithGfr(await flattenModel(8));
    // Labelled with the unpruned model's own answers: it is right on every image, and pruning shows as answers it loses.
    const own = { fit: await relabelled(trained, fit), calibration: await relabelled(trained, calibration), validation: await relabelled(trained, validation) };
    const reference: ReferenceAccuracy = { accuracy: 1, calibrationAccuracy: 1 };
    const tolerance = 10;
    const steps: SearchStep[] = [];
    for await (const step of gridSearch({ trained, ...own, reference, outputKind: 'logits' }, { ...settings, tolerance, fullGrid: true })) steps.push(step);
    // Measured here, on the exported models: which grid ratios lose more than 10 points on the calibration images.
    const grid: { ratio: number; within: boolean }[] = [];
    for (const { candidate, spec } of steps.filter((step) => step.candidate.stage !== 'refine')) {
      const reloaded = await tf.loadLayersModel(tf.io.fromMemory(artifactsFromSpec(spec)));
      grid.push({ ratio: candidate.ratio, within: (await evaluate(reloaded, own.calibration)).accuracy >= 1 - tolerance / 100 });
      reloaded.dispose();
    }
    expect(grid.map((entry) => entry.ratio)).toEqual([0, 0.25, 0.5, 0.75]);
    const firstBeyond = grid.findIndex((entry) => !entry.within);
    // The fixture has a bracket: the unpruned model within, a larger ratio beyond.
    expect(firstBeyond).toBeGreaterThan(0);
    const [low, high] = [grid[firstBeyond - 1].ratio, grid[firstBeyond].ratio];
    expect(steps.filter((step) => step.candidate.stage === 'refine').map((step) => step.candidate.ratio)).toEqual([(low + high) / 2]);
  });

  it('rounds kept channels to the multiple asked for, a residual add\'s coupled group as one, and refuses a multiple out of range', async () => {
    const trained = await trainedResidual();
    const reference = await referenceOf(trained);
    const input = { trained, fit, calibration, validation, reference, outputKind: 'logits' as const };
    const widths = new Set<string>();
    for await (const { candidate, spec } of gridSearch(input, { ...settings, ratios: [0, 0.25, 0.5, 0.75], refineSteps: 0, roundTo: 2 })) {
      // The one prunable group of 4 (conv_a and conv_b, added together) keeps 4 or 2, never 3 or 1.
      expect([2, 4]).toContain(candidate.keptChannels);
      const filters = (name: string) => spec.layers.find((layer) => layer.name === name)!.config.filters as number;
      expect(filters('conv_b')).toBe(filters('conv_a'));
      widths.add(`${candidate.ratio}:${filters('conv_a')}`);
    }
    // Unrounded, ratio 0.25 keeps 3 of the 4 channels: rounded, it keeps the whole group or 2.
    expect([...widths].some((width) => width.endsWith(':2'))).toBe(true);
    await expect(gridSearch(input, { ...settings, roundTo: 0 }).next()).rejects.toThrow(/whole number in \[1, 64\]/);
    await expect(gridSearch(input, { ...settings, roundTo: 2.5 }).next()).rejects.toThrow(/got 2.5/);
  });

  it('refines between the last passing and the first failing ratio', async () => {
    // Validation accuracy says nothing here (all at the reference's 0.5): the calibration figures decide.
    const make = (ratio: number, calibrationAccuracy: number, stage: Candidate['stage'] = 'grid') =>
      ({ ratio, accuracy: 0.5, calibrationAccuracy, stage }) as Candidate;
    const reference: ReferenceAccuracy = { accuracy: 0.5, calibrationAccuracy: 0.9 };
    const candidates = [make(0, 0.9, 'baseline'), make(0.2, 0.895), make(0.4, 0.85), make(0.6, 0.5)];
    expect(candidates.every((c) => c.accuracy >= reference.accuracy)).toBe(true);
    expect(refinementRatios(candidates, { refineSteps: 3, tolerance: 1 }, reference)).toEqual([0.25, 0.3, 0.35]);
    expect(selectCandidate(candidates, { kind: 'tolerance', tolerance: 1 }, reference)!.ratio).toBe(0.2);
    // Refined candidates do not move the bracket; no failing grid ratio, nothing to refine.
    expect(refinementRatios([...candidates, make(0.3, 0.9, 'refine')], { refineSteps: 1, tolerance: 1 }, reference)).toEqual([0.3]);
    expect(refinementRatios(candidates.slice(0, 2), { refineSteps: 3, tolerance: 1 }, reference)).toEqual([]);
    expect(refinementRatios(candidates, { refineSteps: 3, tolerance: 1 }, { accuracy: 0.5, calibrationAccuracy: 0.99 })).toEqual([]);
    const budget = [{ ...make(0, 0.9, 'baseline'), accuracy: 0.9, flops: 100 }, { ...make(0.5, 0.8), accuracy: 0.8, flops: 40 }, { ...make(0.7, 0.7), accuracy: 0.7, flops: 20 }] as Candidate[];
    expect(selectCandidate(budget, { kind: 'budget', metric: 'flops', max: 50 }, reference)!.ratio).toBe(0.5);
  });
});
