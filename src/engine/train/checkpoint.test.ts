import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors';
import { analyzeModel } from '../graph/analyze';
import { insertGfrLayers } from '../gfr/instrument';
import { modelFromSpec } from '../io/modelSpec';
import { syntheticDataset } from '../testing/syntheticData';
import { expectNoLeaks } from '../testing/tensors';
import { flattenModel, residualModel } from '../testing/tinyModels';
import { type TrainCheckpoint, trainSparse } from './sparseTraining';
import { DEFAULT_TRAIN_SETTINGS } from '../../contract/settings';
import type { TrainStepEvent } from '../../contract/events';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const data = syntheticDataset(64);
// 4 steps per epoch, 3 epochs; a fixed target, so the controller runs.
const settings = { ...DEFAULT_TRAIN_SETTINGS, epochs: 3, batchSize: 16, learningRate: 0.01, target: 0.5, targetMode: 'fixed' as const };

async function instrumented() {
  const spec = await residualModel();
  const analysis = analyzeModel(spec);
  return { model: await modelFromSpec(insertGfrLayers(spec, analysis, { seed: 2 })), analysis };
}

const weightsOf = (model: tf.LayersModel): number[][] => model.weights.map((weight) => Array.from(weight.read().dataSync()));

describe('training checkpoints', () => {
  it('hands out a checkpoint after every epoch but the last, with the weights and the controller as they were then', async () => {
    const { model, analysis } = await instrumented();
    const checkpoints: TrainCheckpoint[] = [];
    const weightsAt: number[][][] = [];
    await expectNoLeaks(() => trainSparse(model, data, settings, {
      analysis,
      checkpoints: { save: (checkpoint) => checkpoints.push(checkpoint) },
      onEvent: (event) => event.kind === 'step' && event.step === 4 && weightsAt.push(weightsOf(model)),
    }));
    expect(checkpoints.map((checkpoint) => checkpoint.step)).toEqual([4, 8]);
    expect(checkpoints[0].totalSteps).toBe(12);
    expect(checkpoints[0].weights.map((weight) => Array.from(weight.values))).toEqual(weightsAt[0]);
    expect(checkpoints[0].controller?.zeros.length).toBeGreaterThan(0);
    expect(checkpoints[1].sparsity?.zeroShare).toBeGreaterThanOrEqual(0);
    expect(checkpoints[1].elapsedMs).toBeGreaterThan(0);
    model.dispose();
  });

  it('hands out checkpoints between epochs once the interval has passed', async () => {
    const { model, analysis } = await instrumented();
    const steps: number[] = [];
    await trainSparse(model, data, { ...settings, epochs: 1 }, { analysis, checkpoints: { everyMs: 0, save: (checkpoint) => steps.push(checkpoint.step) } });
    expect(steps).toEqual([1, 2, 3]);
    model.dispose();
  });

  it('resumes from a checkpoint: the steps after it, the controller where it was, the same total', async () => {
    const { model, analysis } = await instrumented();
    const checkpoints: TrainCheckpoint[] = [];
    const full: TrainStepEvent[] = [];
    await trainSparse(model, data, settings, {
      analysis, checkpoints: { save: (checkpoint) => checkpoints.push(checkpoint) }, onEvent: (event) => event.kind === 'step' && full.push(event),
    });
    model.dispose();

    // A fresh model, as after a reload: the checkpoint's weights replace its own.
    const fresh = await instrumented();
    const resumed: TrainStepEvent[] = [];
    const summary = await expectNoLeaks(() => trainSparse(fresh.model, data, settings, {
      analysis: fresh.analysis, resume: checkpoints[0], onEvent: (event) => event.kind === 'step' && resumed.push(event),
    }));
    expect(resumed.map((event) => event.step)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(summary.steps).toBe(12);
    expect(summary.images).toBe(12 * 16);
    // The schedule goes on from where it was: the first resumed step aims where the uninterrupted run's did.
    expect(resumed[0].sparsity!.targetShare).toBeCloseTo(full[4].sparsity!.targetShare, 6);
    expect(resumed[0].sparsity!.zeroShare).toBeGreaterThanOrEqual(checkpoints[0].sparsity!.zeroShare);
    fresh.model.dispose();
  });

  it('refuses a checkpoint of another model or another run, saying what to do', async () => {
    const { model, analysis } = await instrumented();
    const checkpoints: TrainCheckpoint[] = [];
    await trainSparse(model, data, settings, { analysis, checkpoints: { save: (checkpoint) => checkpoints.push(checkpoint) } });
    const other = await modelFromSpec(await flattenModel());
    await expect(trainSparse(other, data, { ...settings, target: 0 }, { resume: checkpoints[0] })).rejects.toThrow(UserError);
    await expect(trainSparse(model, data, { ...settings, epochs: 5 }, { analysis, resume: checkpoints[0] })).rejects.toThrow(/start the training again/);
    model.dispose();
    other.dispose();
  });
});
