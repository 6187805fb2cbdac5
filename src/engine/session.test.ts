import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from './core/types';
import { splitDataset } from './data/split';
import { INITIAL_SR } from './gfr/gfrLayer';
import { hasGfrLayers } from './gfr/instrument';
import { analyzeModel } from './graph/analyze';
import { evaluate } from './eval/evaluate';
import { layerByName, modelFromSpec } from './io/modelSpec';
import { DEFAULT_SEARCH_SETTINGS, DEFAULT_TRAIN_SETTINGS } from '../contract/settings';
import { heldOutSplit, CompressionSession, sparseTrainingStart } from './session';
import { maxRelativeDiff } from './testing/kernelValues';
import { syntheticDataset } from './testing/syntheticData';
import { predictSpec, randomInput } from './testing/tensors';
import { flattenModel, residualModel } from './testing/tinyModels';
import { rescaleGammaForOptimizer } from './train/rescale';

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

describe('sparseTrainingStart', () => {
  it('with a fixed target, gives gfr the BN scales gamma gets: rescaled by gammaScale·s0, then divided by s0 at insertion', async () => {
    const spec = await residualModel();
    const analysis = analyzeModel(spec);
    const settings = { ...DEFAULT_TRAIN_SETTINGS, target: 0.5, targetMode: 'fixed' as const, gammaScale: 0.1 };
    const { rescaled } = rescaleGammaForOptimizer(spec, analysis, 0.1);
    expect(rescaled).toEqual(['conv_a']);
    const [gfr, gamma] = (['gfr', 'gamma'] as const).map((mode) => sparseTrainingStart(spec, analysis, mode, settings, true));
    expect(hasGfrLayers(gfr)).toBe(true);
    for (const bn of ['bn_a', 'bn_b']) {
      for (const key of ['gamma', 'beta']) {
        const [inGfr, inGamma, inOriginal] = [gfr, gamma, spec].map((s) => layerByName(s, bn).weights[key].values);
        expect(maxRelativeDiff(inGfr, inGamma), `${bn}/${key}`).toBeLessThan(1e-6);
        expect(maxRelativeDiff(inGfr, inOriginal.map((value) => value * 0.1)), `${bn}/${key}`).toBeLessThan(1e-6);
      }
    }
    // The gates add nothing to what rescaling alone computes.
    const input = randomInput([4, 6, 6, 2], 9);
    const [started, rescaledOnly] = await Promise.all([predictSpec(gfr, input), predictSpec(rescaleGammaForOptimizer(spec, analysis, 0.1 * INITIAL_SR).spec, input)]);
    expect(maxRelativeDiff(started, rescaledOnly)).toBeLessThan(1e-4);
    input.dispose();
  });
});

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

  it('refuses data with another number of classes than the model predicts, saying what the labels are', async () => {
    const model = await residualModel();
    const labels = data.train.labels;
    const distinct = new Set(labels).size;
    const wider = { ...data, train: { ...data.train, numClasses: 7 } };
    expect(() => new CompressionSession(model, wider)).toThrow(
      new RegExp(`predicts ${data.train.numClasses} classes but the data has 7 \\(labels ${Math.min(...labels)}–${Math.max(...labels)}, ${distinct} distinct values\\)`),
    );
  });

  it('from a trained start: decides the augmentation, and starts from recalibrated BN statistics where they measure better, the original staying the reference', async () => {
    const pretraining = new CompressionSession(await residualModel(), data, { trainedStart: false });
    await pretraining.pretrain({ ...train, epochs: 4 });
    // The trained model with BN statistics far off: recalibrating them on the fit images measures better.
    const spec = structuredClone(pretraining.original);
    for (const layer of spec.layers.filter((l) => l.className === 'BatchNormalization')) {
      layer.weights.moving_mean.values.fill(2);
      layer.weights.moving_variance.values.fill(25);
    }
    const session = new CompressionSession(spec, data);
    const reference = await session.reference();
    const summary = await session.train('gamma', { ...train, optimizer: 'sgd', augmentation: 'auto' });
    expect(summary.recalibratedStart?.kept).toBe(true);
    expect(summary.recalibratedStart!.after).toBeGreaterThanOrEqual(summary.recalibratedStart!.before);
    expect(summary.recalibratedStart!.before).toBeCloseTo(reference.calibrationAccuracy, 6);
    // The synthetic classes (the brightest of three bands of rows) are mirror-symmetric: auto decides flips.
    expect(summary.augmentation).toMatchObject({ mode: 'flip', auto: true });
    expect(session.original).toBe(spec);
    expect(await session.reference()).toBe(reference);
  });

  it('from a trained start, the guard reads its own held-out images: its floor is the original\'s accuracy on them, not on the calibration images', async () => {
    const pretraining = new CompressionSession(await residualModel(), data, { trainedStart: false });
    await pretraining.pretrain({ ...train, epochs: 2 });
    const session = new CompressionSession(pretraining.original, data);
    const reference = await session.reference();
    const model = await modelFromSpec(session.original);
    const onGuardImages = (await evaluate(model, session.guardImages, { outputKind: reference.outputKind })).accuracy;
    model.dispose();
    // The two held-out sets must read differently for this test to tell them apart.
    expect(onGuardImages).not.toBeCloseTo(reference.calibrationAccuracy, 6);
    const summary = await session.train('gamma', { ...train, targetMode: 'auto', tolerance: 2 });
    expect(summary.guard?.floor).toBeCloseTo(onGuardImages - 0.01, 6);
  });

  it('prunes a model as it is with l1 (no training), and exports any candidate', async () => {
    const session = new CompressionSession(await residualModel(), data);
    const steps = await drain(session.search({ ...search, criterion: 'l1' }));
    expect(steps[1].candidate.keptChannels).toBeLessThan(steps[0].candidate.keptChannels);
    const artifacts = session.exportCandidate(1);
    expect(JSON.stringify(artifacts.modelTopology)).not.toContain('"GFR"');
    expect(() => session.exportCandidate(9)).toThrow(/no candidate #9/);
  });

  it('pauses training until resumed: it awaits the pause before the first step', async () => {
    const session = new CompressionSession(await residualModel(), data);
    let steps = 0;
    let paused = true;
    let stepsWhenAwaited = -1;
    let resume: () => void = () => {};
    let reached: () => void = () => {};
    const awaited = new Promise<void>((resolve) => (reached = resolve));
    // A thenable rather than a promise: awaiting it calls `then`, which is how the test knows the loop waits on it.
    const gate = {
      then(onResumed: () => void) {
        stepsWhenAwaited = steps;
        resume = onResumed;
        reached();
      },
    } as unknown as Promise<void>;
    const run = session.train('l1', train, { whilePaused: () => (paused ? gate : Promise.resolve()), onEvent: (e) => e.kind === 'step' && steps++ });
    // A loop that ignored the pause would never await the gate, and this would time out.
    await awaited;
    expect(stepsWhenAwaited).toBe(0);
    expect(steps).toBe(0);
    paused = false;
    resume();
    await run;
    expect(steps).toBe(3);
  });

  it('pretrains the model as loaded into the original, and reuses it for the same settings', async () => {
    const session = new CompressionSession(await residualModel(), data, { trainedStart: false });
    const loaded = session.original;
    let steps = 0;
    const summary = await session.pretrain(train, { onEvent: (e) => e.kind === 'step' && steps++ });
    expect(steps).toBe(3);
    expect(session.trainedStart).toBe(true);
    expect(session.original).not.toBe(loaded);
    expect(hasGfrLayers(session.original)).toBe(false);
    const pretrained = session.original;
    await session.train('gfr', train);
    session.startFromLoaded();
    expect(session.original).toBe(loaded);
    expect(session.trainedStart).toBe(false);
    expect(session.hasPretrained(train)).toBe(true);
    expect(await session.pretrain(train, { onEvent: () => steps++ })).toBe(summary);
    expect(steps).toBe(3);
    expect(session.original).toBe(pretrained);
  });

  it('a failed or cancelled training leaves the session exactly as it was', async () => {
    const session = new CompressionSession(await residualModel(), data, { trainedStart: false });
    await session.train('gamma', train);
    const before = session.trainedState();
    const controller = new AbortController();
    const cancelAtSecondStep = { signal: controller.signal, onEvent: (e: { kind: string; step?: number }) => e.step === 2 && controller.abort() };
    await expect(session.train('gfr', train, cancelAtSecondStep)).rejects.toThrow(/cancel/i);
    await expect(session.pretrain(train, { signal: AbortSignal.abort() })).rejects.toThrow(/cancel/i);
    expect(session.trainedState()).toEqual(before);
    // Pretraining, then a cancelled sparse training, in one transaction: all of it is undone.
    const twoSteps = new AbortController();
    await expect(session.transaction(async () => {
      await session.pretrain(train);
      return session.train('gfr', train, { signal: twoSteps.signal, onEvent: (e) => e.kind === 'step' && e.step === 2 && twoSteps.abort() });
    })).rejects.toThrow(/cancel/i);
    expect(session.original).toBe(before.original);
    expect(session.trained).toBe(before.trained);
    expect(session.trainedStart).toBe(false);
    // The finished pretraining stays known for the next attempt.
    expect(session.hasPretrained(train)).toBe(true);
  });

  it('measures a logits head as logits; with no training and nothing removed, the baseline is the original', async () => {
    // residualModel ends in a linear Dense: it outputs logits.
    const session = new CompressionSession(await residualModel(), data);
    const reference = await session.reference();
    expect(reference.outputKind).toBe('logits');
    // As `--epochs 0` does: no training, the l1 criterion on the model as it is.
    const steps = await drain(session.search({ ...search, criterion: 'l1', ratios: [0, 0.25, 0.5] }));
    const baseline = steps[0].candidate;
    expect(baseline.stage).toBe('baseline');
    expect(baseline.keptChannels).toBe(baseline.prunableChannels);
    expect(baseline.recalibrated).toBe(false);
    expect(baseline.accuracy).toBe(reference.accuracy);
    expect(baseline.calibrationAccuracy).toBe(reference.calibrationAccuracy);
    expect(baseline.loss).toBeCloseTo(reference.loss, 6);
    expect(steps.length).toBeGreaterThan(1);
    // The same model on the same 30 images: no loss, but 30 images cannot certify a 1-point tolerance (the interval
    // of a difference with no disagreement is still ± 1.96/(n + 2)).
    const verdict = session.verdict(baseline, 1);
    expect(verdict.drop).toBe(0);
    expect(verdict.margin).toBeCloseTo((1.96 / (data.validation.count + 2)) * 100, 9);
    expect(verdict.status).toBe('uncertain');
    expect(session.verdict(baseline, 10).status).toBe('within');
  });

  it('holds out calibration and guard images disjoint from each other and from the images it trains on', () => {
    // Pixel 0 of image n is n: each image is known by its first value.
    const base = syntheticDataset(60);
    const per = base.height * base.width * base.channels;
    const images = Float32Array.from(base.images);
    for (let n = 0; n < base.count; n++) images[n * per] = n;
    const train = { ...base, images };
    const split = heldOutSplit(train);
    const ids = (ds: ImageDataset) => Array.from({ length: ds.count }, (_, k) => ds.images[k * per]);
    const [fitIds, calibrationIds, guardIds] = [split.fit, split.calibration, split.guard].map(ids);
    expect([calibrationIds.length, guardIds.length, fitIds.length]).toEqual([6, 6, 48]);
    expect(new Set([...fitIds, ...calibrationIds, ...guardIds]).size).toBe(60);
    // Labels travel with their images.
    [split.fit, split.calibration, split.guard].forEach((ds) => ids(ds).forEach((id, k) => expect(ds.labels[k]).toBe(train.labels[id])));
    // Seeded: the same data gives the same split.
    expect(ids(heldOutSplit(train).calibration)).toEqual(calibrationIds);
    expect(ids(heldOutSplit(train).guard)).toEqual(guardIds);
    // Under 20 images there is nothing to spare.
    const small = heldOutSplit(syntheticDataset(19));
    expect([small.fit.count, small.calibration.count, small.guard.count]).toEqual([19, 19, 19]);
  });

  it('says when model and data do not fit together', async () => {
    const otherShape = { ...data, train: { ...data.train, height: 8 } };
    const spec = await flattenModel();
    expect(() => new CompressionSession(spec, otherShape)).toThrow(/expects 6×6×2 inputs but the data has 8×6×2/);
  });
  it('a training that diverges keeps the model from before the call, and nothing non-finite becomes a candidate or a file', async () => {
    const session = new CompressionSession(await residualModel(), data);
    const before = session.trained;
    const poisoned = { ...data, train: { ...data.train, images: data.train.images.map((value, i) => (i === 0 ? NaN : value)) } };
    const diverging = new CompressionSession(await residualModel(), poisoned);
    const start = diverging.trained;
    await expect(diverging.train('gfr', train)).rejects.toThrow(/Training diverged at step \d+: the loss became NaN.*smaller learning rate/);
    expect(diverging.trained).toBe(start);
    expect(hasGfrLayers(diverging.trained)).toBe(false);

    const steps = await drain(session.search({ ...search, criterion: 'l1', ratios: [0] }));
    const withNaN = structuredClone(before);
    const kernel = withNaN.layers.find((layer) => layer.weights.kernel)!;
    kernel.weights.kernel.values[3] = NaN;
    session.restoreCandidates([{ ...steps[0].candidate, index: 5 }], new Map([[5, withNaN]]), await session.reference());
    expect(() => session.exportCandidate(5)).toThrow(new RegExp(`Candidate #5 has a non-finite weight \\(${kernel.name}/kernel is NaN at index 3\\).*smaller learning rate`));
    // A session whose model holds a NaN (its trained model, before any training) exports and prunes nothing.
    const nanSession = new CompressionSession(withNaN, data);
    expect(() => nanSession.exportFolded()).toThrow(/The trained model has a non-finite weight/);
    await expect(drain(nanSession.search({ ...search, criterion: 'l1', ratios: [0] }))).rejects.toThrow(/A pruned candidate has a non-finite weight/);
  });
});
