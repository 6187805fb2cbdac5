import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitDataset } from '../data/split';
import { evaluate } from '../eval/evaluate';
import { analyzeModel } from '../graph/analyze';
import { insertGfrLayers } from '../gfr/instrument';
import { artifactsFromSpec, modelFromSpec, specFromModel } from '../io/modelSpec';
import { syntheticDataset } from '../testing/syntheticData';
import { expectNoLeaks } from '../testing/tensors';
import { residualModel } from '../testing/tinyModels';
import { DEFAULT_TRAIN_SETTINGS, trainSparse } from '../train/sparseTraining';
import type { Candidate } from './candidate';
import { DEFAULT_SEARCH_SETTINGS, gridSearch, refinementRatios, type SearchStep } from './gridSearch';
import { selectCandidate } from './select';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const { train, validation } = splitDataset(syntheticDataset(120), { valCount: 30, seed: 1 });
const settings = { ...DEFAULT_SEARCH_SETTINGS, ratios: [0, 0.25, 0.5, 0.75], refineSteps: 1, recalibrationBatches: 2, batchSize: 16, latencyRuns: 2 };

async function trainedResidual() {
  const spec = await residualModel();
  const model = await modelFromSpec(insertGfrLayers(spec, analyzeModel(spec), { seed: 2 }));
  await trainSparse(model, train, { ...DEFAULT_TRAIN_SETTINGS, epochs: 3, batchSize: 16, learningRate: 0.01 });
  const trained = await specFromModel(model);
  model.dispose();
  return trained;
}

describe('gridSearch', () => {
  it('yields the baseline then one candidate per ratio; each export reloads with stock tfjs and predicts what was measured', async () => {
    const trained = await trainedResidual();
    const steps: SearchStep[] = await expectNoLeaks(async () => {
      const collected: SearchStep[] = [];
      for await (const step of gridSearch({ trained, calibration: train, validation }, settings)) collected.push(step);
      return collected;
    });
    const candidates = steps.map((step) => step.candidate);
    expect(candidates[0].stage).toBe('baseline');
    expect(candidates[0].keptChannels).toBe(candidates[0].prunableChannels);
    expect(candidates.filter((c) => c.stage === 'grid').map((c) => c.ratio)).toEqual([0.25, 0.5, 0.75]);
    for (let i = 1; i < 4; i++) {
      expect(candidates[i].params).toBeLessThan(candidates[i - 1].params);
      expect(candidates[i].flops).toBeLessThan(candidates[i - 1].flops);
    }
    for (const { candidate, spec } of steps) {
      expect(spec.layers.some((layer) => layer.className === 'GFR')).toBe(false);
      const reloaded = await tf.loadLayersModel(tf.io.fromMemory(artifactsFromSpec(spec)));
      const evaluation = await evaluate(reloaded, validation);
      expect(evaluation.accuracy).toBe(candidate.accuracy);
      expect(evaluation.loss).toBeCloseTo(candidate.loss, 6);
      reloaded.dispose();
    }
    const selected = selectCandidate(candidates, { kind: 'tolerance', tolerance: 100 });
    expect(selected!.ratio).toBe(Math.max(...candidates.map((c) => c.ratio)));
  });

  it('refines between the last passing and the first failing ratio', async () => {
    const make = (ratio: number, accuracy: number, stage: Candidate['stage'] = 'grid') => ({ ratio, accuracy, stage }) as Candidate;
    const candidates = [make(0, 0.9, 'baseline'), make(0.2, 0.895), make(0.4, 0.85), make(0.6, 0.5)];
    expect(refinementRatios(candidates, { refineSteps: 3, tolerance: 1 })).toEqual([0.25, 0.3, 0.35]);
    expect(selectCandidate(candidates, { kind: 'tolerance', tolerance: 1 })!.ratio).toBe(0.2);
    const budget = [{ ...make(0, 0.9, 'baseline'), flops: 100 }, { ...make(0.5, 0.8), flops: 40 }, { ...make(0.7, 0.7), flops: 20 }] as Candidate[];
    expect(selectCandidate(budget, { kind: 'budget', metric: 'flops', max: 50 })!.ratio).toBe(0.5);
  });
});
