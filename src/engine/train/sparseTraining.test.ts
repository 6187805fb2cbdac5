import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../core/abort';
import { analyzeModel } from '../graph/analyze';
import { GfrLayer, INITIAL_SR } from '../gfr/gfrLayer';
import { insertGfrLayers } from '../gfr/instrument';
import { modelFromSpec } from '../io/modelSpec';
import { syntheticDataset } from '../testing/syntheticData';
import { expectNoLeaks } from '../testing/tensors';
import { residualModel } from '../testing/tinyModels';
import { trainSparse } from './sparseTraining';
import { AUTO_SPARSITY } from './sparsityController';
import { DEFAULT_TRAIN_SETTINGS } from '../../contract/settings';
import type { TrainStepEvent } from '../../contract/events';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function instrumentedResidual(): Promise<tf.LayersModel> {
  const spec = await residualModel();
  return modelFromSpec(insertGfrLayers(spec, analyzeModel(spec), { seed: 2 }));
}

const data = syntheticDataset(96);
const settings = { ...DEFAULT_TRAIN_SETTINGS, epochs: 4, batchSize: 16, learningRate: 0.01 };

describe('trainSparse', () => {
  it('lowers the loss, moves sr to the gates, reports progress and leaks nothing', async () => {
    const model = await instrumentedResidual();
    const events: TrainStepEvent[] = [];
    await expectNoLeaks(() => trainSparse(model, data, settings, { onEvent: (event) => event.kind === 'step' && events.push(event) }));
    expect(events.length).toBe(24);
    expect(events.at(-1)!.totalSteps).toBe(24);
    const early = events.slice(0, 3).reduce((sum, event) => sum + event.crossEntropy, 0) / 3;
    const late = events.slice(-3).reduce((sum, event) => sum + event.crossEntropy, 0) / 3;
    expect(late).toBeLessThan(early);
    expect(events.every((event) => event.loss > event.crossEntropy)).toBe(true);
    expect(events.at(-1)!.imagesPerSec).toBeGreaterThan(0);
    const gfr = model.layers.find((layer) => layer instanceof GfrLayer)!;
    const sr = gfr.getWeights().find((_, i) => gfr.weights[i].originalName.endsWith('/sr'))!;
    const values = Array.from(await sr.data());
    expect(values.some((value) => Math.abs(value - INITIAL_SR) > 1e-3)).toBe(true);
    expect(values.every((value) => value > 0 && value < 1)).toBe(true);
    model.dispose();
  });

  it('stops at the step budget and on cancel', async () => {
    const model = await instrumentedResidual();
    const summary = await trainSparse(model, data, { ...settings, maxSteps: 2 });
    expect(summary.steps).toBe(2);
    const controller = new AbortController();
    const run = trainSparse(model, data, settings, { signal: controller.signal, onEvent: (event) => event.kind === 'step' && event.step === 3 && controller.abort() });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    model.dispose();
  });

  it('leaves a pause out of its elapsed time, images/s and time left', async () => {
    const model = await instrumentedResidual();
    const events: TrainStepEvent[] = [];
    const pauseMs = 300;
    let waits = 0;
    const wallStart = performance.now();
    const summary = await trainSparse(model, data, { ...settings, maxSteps: 4 }, {
      onEvent: (event) => event.kind === 'step' && events.push(event),
      // Paused once, before the third step.
      whilePaused: () => (++waits === 3 ? new Promise((resolve) => setTimeout(resolve, pauseMs)) : Promise.resolve()),
    });
    const wallMs = performance.now() - wallStart;
    // Timers fire no earlier than asked, give or take a millisecond.
    expect(summary.elapsedMs).toBeLessThanOrEqual(wallMs - pauseMs + 2);
    expect(events.at(-1)!.elapsedMs).toBeLessThanOrEqual(summary.elapsedMs);
    expect(summary.imagesPerSec).toBeCloseTo((summary.images / summary.elapsedMs) * 1000, 6);
    // The step after the pause does not take the pause for its own time.
    const afterPause = events[2].elapsedMs - events[1].elapsedMs;
    expect(afterPause).toBeLessThan(wallMs - pauseMs);
    expect(events[2].remainingMs).toBeLessThan(pauseMs + (events[2].elapsedMs - events[0].elapsedMs));
    expect(events.at(-1)!.remainingMs).toBe(0);
    model.dispose();
  });

  it('with a guard that no reading passes, hands back the model it started with, weights and all', async () => {
    const spec = await residualModel();
    const model = await modelFromSpec(spec);
    const before = model.weights.map((weight) => Array.from(weight.read().dataSync()));
    const events: TrainStepEvent[] = [];
    const guard = { data: syntheticDataset(32, 6, 2, 9), floor: 1.01, every: 2 };
    const summary = await expectNoLeaks(() => trainSparse(model, data, { ...settings, epochs: 1 }, {
      analysis: analyzeModel(spec), guard, onEvent: (event) => event.kind === 'step' && events.push(event),
    }));
    // Every reading fell below the floor and went back to the start, each time at half the pace.
    const readings = events.filter((event) => event.guard?.step === event.step);
    expect(readings.length).toBe(3);
    expect(readings.every((event) => event.guard!.restoredFrom === 0)).toBe(true);
    expect(summary.sparsity!.setbacks).toBe(3);
    model.weights.forEach((weight, index) => expect(Array.from(weight.read().dataSync())).toEqual(before[index]));
    model.dispose();
  });

  it('with a guard that every reading passes, frees channels on the automatic schedule', async () => {
    const spec = await residualModel();
    const model = await modelFromSpec(spec);
    const guard = { data: syntheticDataset(32, 6, 2, 9), floor: 0, every: 2 };
    const summary = await trainSparse(model, data, { ...settings, epochs: 2 }, { analysis: analyzeModel(spec), guard });
    expect(summary.guard!.step).toBe(12);
    expect(summary.sparsity!.setbacks).toBeUndefined();
    // A chunk at steps 1, 3 and 5, each a chunkShare of the channels or one channel: the one prunable group has 4
    // channels and keeps 1 (its floor), so the chunk at step 7 finds nothing left to zero.
    const channels = analyzeModel(spec).prunableChannels;
    expect(channels).toBe(4);
    expect(Math.max(Math.floor(AUTO_SPARSITY.chunkShare * channels), 1)).toBe(1);
    expect(summary.sparsity!.zeroShare).toBe(3 / 4);
    model.dispose();
  });

  it('stops at the first step whose loss is not a number, and says what to try', async () => {
    const model = await instrumentedResidual();
    const poisoned = { ...data, images: data.images.map((value, i) => (i === 0 ? NaN : value)) };
    await expect(trainSparse(model, poisoned, { ...settings, epochs: 1, batchSize: data.count })).rejects.toThrow(/Training diverged at step 1: the loss became NaN.*smaller learning rate/);
    model.dispose();
  });

  it('explains bad settings', async () => {
    const model = await instrumentedResidual();
    await expect(trainSparse(model, data, { ...settings, batchSize: 0 })).rejects.toThrow(/Batch size/);
    model.dispose();
  });
});
