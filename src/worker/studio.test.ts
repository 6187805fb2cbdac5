/**
 * The worker's studio calls, driven as the page drives them, on the wasm
 * backend under Node: load → train (with events) → scores → search step by
 * step → select → export, then the export reloaded with stock tfjs.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CancelledError } from '../engine/core/abort';
import { readFile } from 'node:fs/promises';
import type { ImageDataset } from '../engine/core/types';
import { DEFAULT_SCALING } from '../contract/preprocessing';
import { parseScaling } from '../engine/data/scaling';
import { modelExpecting } from '../engine/testing/scaledModels';
import { loadBuiltinDigits } from '../engine/data/builtinDigits';
import type { ImageDecoder } from '../engine/data/imageFiles';
import { splitDataset, subsetDataset } from '../engine/data/split';
import { useNodeBackend } from '../engine/backend/node';
import { evaluate } from '../engine/eval/evaluate';
import { modelFilesFromArtifacts, specFromFiles, withInputScaling } from '../engine/io/modelFiles';
import { artifactsFromSpec, modelFromSpec, specFromModel } from '../engine/io/modelSpec';
import { datasetFromIdxFiles } from '../engine/data/idxFiles';
import type { Candidate } from '../contract/candidate';
import { DEFAULT_SEARCH_SETTINGS, DEFAULT_TRAIN_SETTINGS, type SearchSettings } from '../contract/settings';
import type { TrainStepEvent } from '../contract/events';
import { lenet } from '../engine/zoo';
import type { CallContext } from './callContext';
import { validationCount } from './dataSummary';
import type { Progress } from './messages';
import { runOnnx } from '../engine/testing/onnxRuntime';
import { specFromOnnx } from '../engine/io/onnx/importOnnx';
import { maxAbsDifference, predictValues } from '../engine/testing/tensors';
import { SCHEMA_VERSION } from './savedWork';
import { MemoryStore } from './stateStore';
import { SPLIT_SEED, Studio, type StudioOptions } from './studio';
import { PauseGate } from './trainRelay';
import type { DroppedFile, ProgressDetail, TrainParams } from './studioTypes';
import type { SelectionRule } from '../contract/select';

const DIGITS = 1500;

/** A call context that records what the call reports. */
function context(controller = new AbortController()) {
  const progress: Progress[] = [];
  const ctx: CallContext & { log: Progress[]; controller: AbortController } = {
    signal: controller.signal,
    progress: (p) => progress.push(p),
    transfer: [],
    log: progress,
    controller,
  };
  return ctx;
}

const details = (log: Progress[]): ProgressDetail[] => log.flatMap((p) => (p.detail ? [p.detail] : []));
const trainEvents = (log: Progress[], phase: 'pretrain' | 'sparse'): TrainStepEvent[] =>
  details(log).flatMap((d) => (d.kind === 'train' && d.phase === phase ? d.events : []));

const TRAIN: TrainParams = {
  criterion: 'gfr',
  settings: { ...DEFAULT_TRAIN_SETTINGS, epochs: 1, batchSize: 32, maxSteps: 12 },
  pretrainEpochs: 1,
};

const SEARCH: SearchSettings = {
  ...DEFAULT_SEARCH_SETTINGS,
  criterion: 'gfr',
  ratios: [0, 0.1, 0.2, 0.3, 0.5, 0.7],
  refineSteps: 1,
  recalibrationBatches: 3,
  latencyRuns: 1,
  latencyBudgetMs: 100,
};

/** A fake image: bytes [width, height, red, green, blue]; the decoder paints it flat. */
const fakeImage = (width: number, height: number, rgb: [number, number, number]): ArrayBuffer => new Uint8Array([width, height, ...rgb]).buffer;
const fakeDecoder: ImageDecoder = async (bytes) => {
  if (bytes.length !== 5) throw new Error('not an image');
  const [width, height] = bytes;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set([bytes[2], bytes[3], bytes[4], 255], p * 4);
  return { width, height, rgba };
};
const file = (path: string, bytes: ArrayBuffer): DroppedFile => ({ name: path.split('/').pop()!, path, bytes });

function idxFile(dims: number[], values: Uint8Array): ArrayBuffer {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, 0x08, dims.length]);
  const view = new DataView(header.buffer);
  dims.forEach((dim, i) => view.setUint32(4 + 4 * i, dim));
  const bytes = new Uint8Array(header.length + values.length);
  bytes.set(header);
  bytes.set(values, header.length);
  return bytes.buffer;
}

let digits: ImageDataset;

/** `count` digits as IDX files of `side`×`side`×3 images (gray copied into R, G and B; cropped or padded with black). */
function rgbIdxFiles(count: number, side = 28): DroppedFile[] {
  const pixels = new Uint8Array(count * side * side * 3);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < Math.min(side, 28); y++) {
      for (let x = 0; x < Math.min(side, 28); x++) {
        const value = Math.round(digits.images[n * 784 + y * 28 + x] * 255);
        pixels.fill(value, ((n * side + y) * side + x) * 3, ((n * side + y) * side + x) * 3 + 3);
      }
    }
  }
  return [
    file('train-images-idx3-ubyte', idxFile([count, side, side, 3], pixels)),
    file('train-labels-idx1-ubyte', idxFile([count], Uint8Array.from(digits.labels.subarray(0, count)))),
  ];
}

beforeAll(async () => {
  await useNodeBackend('wasm');
  const all = await loadBuiltinDigits();
  digits = subsetDataset(all, Array.from({ length: DIGITS }, (_, i) => i));
});

function digitsStudio(options: StudioOptions = {}): Studio {
  return new Studio({ loadBuiltinData: async () => digits, decodeImage: fakeDecoder, ...options });
}

/** A fresh studio with the built-in lenet and digits loaded. */
async function loadedStudio(options: StudioOptions = {}): Promise<Studio> {
  const studio = digitsStudio(options);
  await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
  await studio.loadData({ kind: 'builtin' }, context());
  return studio;
}

/** A fresh studio, loaded, pretrained and sparse-trained with TRAIN. */
async function trainedStudio(): Promise<Studio> {
  const studio = await loadedStudio();
  await studio.train(TRAIN, context());
  return studio;
}

describe('Studio: the whole flow on the built-in lenet and digits', () => {
  // Every call leaves the tensors as it found them: a studio keeps plain specs, never tensors.
  let startTensors = 0;
  beforeEach(() => {
    startTensors = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors, 'tensors left behind').toBe(startTensors);
  });

  it('loads the built-in model for the default input, then the data', async () => {
    const studio = digitsStudio();
    const model = await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    expect(model).toMatchObject({ name: 'lenet', source: 'built-in lenet', inputShape: [28, 28, 1], numClasses: 10 });
    expect(model.analysis.prunableChannels).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(model.analysis))).toEqual(model.analysis);

    const ctx = context();
    const data = await studio.loadData({ kind: 'builtin' }, ctx);
    expect(data).toMatchObject({ count: DIGITS, validationCount: 150, trainCount: DIGITS - 150, height: 28, width: 28, channels: 1 });
    expect(data.model).toBeUndefined();
    expect(data.classCounts.reduce((a, b) => a + b, 0)).toBe(DIGITS);
    expect(data.samples).toHaveLength(12);
    expect(new Set(data.samples.map((s) => s.label)).size).toBe(10);
    expect(data.samples[0].rgba).toHaveLength(28 * 28 * 4);
    expect(ctx.transfer).toHaveLength(12);
  });

  it('estimates the run before it starts: its steps, and their time at a measured pace', async () => {
    const studio = await loadedStudio();
    const estimate = await studio.estimateTraining(TRAIN, context());
    expect(estimate).toMatchObject({ pretrainSteps: 12, sparseSteps: 12 });
    expect(estimate.msPerStep).toBeGreaterThan(0);
    expect(estimate.totalMs).toBeCloseTo(24 * estimate.msPerStep, 6);
    expect(tf.memory().numTensors).toBe(startTensors);
  });

  it('pretrains then trains sparsely, streaming every step to the page', async () => {
    // A clock that never moves: the relay's window never ends, so only each phase's first and last steps post.
    const studio = await loadedStudio({ now: () => 0 });
    const ctx = context();
    const summary = await studio.train(TRAIN, ctx);
    expect(summary.steps).toBe(12);
    for (const phase of ['pretrain', 'sparse'] as const) {
      const steps = trainEvents(ctx.log, phase).map((e) => e.step);
      expect(steps, `${phase} steps reach the page, none missed`).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    }
    // Batched: 24 steps in two messages per phase.
    expect(details(ctx.log).filter((detail) => detail.kind === 'train')).toHaveLength(4);
    expect(trainEvents(ctx.log, 'sparse').at(-1)?.sparsity).toBeDefined();
    // Pretrained, the built-in model is a trained start: the accuracy guard reads the calibration images.
    expect(trainEvents(ctx.log, 'sparse').at(-1)?.guard).toMatchObject({ step: 12, floor: expect.any(Number) });
    // Training again with the same settings skips the pretraining done.
    expect(await studio.estimateTraining(TRAIN, context())).toMatchObject({ pretrainSteps: 0, sparseSteps: 12 });
  });

  it('scores every prunable group with importance, mean |γ| and mean sr, and ranks all channels', async () => {
    const studio = await trainedStudio();
    const scores = studio.scores({ criterion: 'gfr', ranking: 'global' });
    expect(scores.groups.length).toBe(3);
    for (const { group, importance, gamma, sr } of scores.groups) {
      expect(importance).toHaveLength(group.size);
      expect(gamma).toHaveLength(group.size);
      expect(sr).toHaveLength(group.size);
      sr!.forEach((value) => expect(value).toBeGreaterThan(0));
    }
    const total = scores.groups.reduce((sum, g) => sum + g.group.size, 0);
    expect(scores.ranking).toHaveLength(total);
    // Training measured the original (the pretrained model): the scores carry its figures.
    expect(scores.reference).toMatchObject({ outputKind: 'softmax', accuracy: expect.any(Number) });
    const byKey = new Map(scores.groups.map((g) => [g.group.key, g.importance]));
    const ranked = scores.ranking.map(([key, channel]) => byKey.get(key)![channel]);
    expect([...ranked].sort((a, b) => a - b)).toEqual(ranked);
    expect(studio.scores({ criterion: 'l1', ranking: 'normalized' }).criterion).toBe('l1');
  });

  it('steps through the search one candidate at a time, runs the rest, selects and exports', async () => {
    const studio = await trainedStudio();
    const start = await studio.searchStart(SEARCH, context());
    expect(start.plannedRatios).toEqual([0, 0.1, 0.2, 0.3, 0.5, 0.7]);
    expect(start.prunableChannels).toBe(8 + 16 + 64);
    // The original model, measured before the first candidate: what every candidate is compared with.
    expect(start.reference.outputKind).toBe('softmax');
    expect(start.reference.accuracy).toBeGreaterThan(0);
    expect(start.reference.accuracy).toBeLessThanOrEqual(1);

    const stepped: Candidate[] = [];
    for (let i = 0; i < 3; i++) {
      const ctx = context();
      const next = await studio.searchNext({ count: 1 }, ctx);
      expect(next.candidates).toHaveLength(1);
      expect(next.done).toBe(false);
      expect(details(ctx.log)).toEqual([{ kind: 'candidate', candidate: next.candidates[0] }]);
      stepped.push(next.candidates[0]);
    }
    expect(stepped.map((c) => c.index)).toEqual([0, 1, 2]);
    const rest = await studio.searchNext({ count: 100 }, context());
    expect(rest.done).toBe(true);
    expect(rest.candidates[0].index).toBe(3);
    expect(await studio.searchNext({ count: 1 }, context())).toEqual({ candidates: [], done: true, gridStop: null });

    const { candidate: index } = studio.select({ kind: 'budget', metric: 'params', max: Infinity });
    expect(index).not.toBeNull();
    // Nothing under the budget: no candidate, and a verdict that says it is no success.
    const none = studio.select({ kind: 'budget', metric: 'params', max: 0 });
    // Sparse training took this briefly pretrained LeNet far above its start: candidates are judged against the
    // trained model, unpruned (the baseline), and the start's figures stay beside it.
    const baseline = stepped[0];
    const judged = {
      ...start.reference, accuracy: baseline.accuracy, calibrationAccuracy: baseline.calibrationAccuracy, loss: baseline.loss, basis: 'trained',
      loaded: { accuracy: start.reference.accuracy, calibrationAccuracy: start.reference.calibrationAccuracy },
    };
    expect(baseline.calibrationAccuracy - start.reference.calibrationAccuracy).toBeGreaterThan(0.1);
    expect(none).toMatchObject({ candidate: null, reference: judged, verdict: { withinTolerance: false, drop: null, basis: 'trained' } });
    expect(none.verdict.message).toMatch(/No candidate is within 1 point of the trained model \(unpruned\)/);

    // The search result compares with the original: its accuracy, and the verdict on the choice.
    const chosen = studio.select({ kind: 'tolerance', tolerance: 100 });
    const tolerant = chosen.candidate;
    expect(tolerant).not.toBeNull();
    expect(chosen.reference).toEqual(judged);
    const selected = [...stepped, ...rest.candidates].find((c) => c.index === tolerant)!;
    expect(chosen.verdict).toMatchObject({ withinTolerance: true, tolerance: 100 });
    expect(chosen.verdict.drop).toBeCloseTo((baseline.accuracy - selected.accuracy) * 100, 6);
    expect(chosen.verdict.message).toMatch(new RegExp(`Candidate #${tolerant} keeps the accuracy of the trained model \\(unpruned\\) within 100 points`));
    expect(chosen.verdict.message).toContain(`than the model as loaded (${(start.reference.accuracy * 100).toFixed(2)}%)`);

    const ctx = context();
    const exported = studio.exportCandidate({ candidate: tolerant!, format: 'files' }, ctx);
    expect(exported.files.map((f) => f.name)).toEqual(['model.json', 'weights.bin', 'report.json', 'report.md']);
    expect(ctx.transfer).toHaveLength(4);
    const bytes = (name: string) => new Uint8Array(exported.files.find((f) => f.name === name)!.bytes);
    const modelJson = JSON.parse(new TextDecoder().decode(bytes('model.json')));
    const report = JSON.parse(new TextDecoder().decode(bytes('report.json')));
    expect(report.selected.index).toBe(tolerant);
    // The report judges as the page does: the same reference (both models' figures), the tolerance of the last selection.
    expect(report.original).toMatchObject({ ...judged, outputKind: 'softmax', trainedStart: true });
    expect(report.verdict).toEqual(chosen.verdict);
    expect(report.candidates.length).toBe(rest.candidates.length + 3);
    expect(report.timings.searchMs).toBeGreaterThan(0);
    expect(new TextDecoder().decode(bytes('report.md'))).toContain('# GFR Studio compression report');
    // The preprocessing goes with the model and its report.
    expect(modelJson.userDefinedMetadata.gfrStudio.inputScaling).toEqual(DEFAULT_SCALING);
    expect(report.export).toMatchObject({ inputScaling: DEFAULT_SCALING, inputShape: [28, 28, 1] });
    expect(new TextDecoder().decode(bytes('report.md'))).toContain('The model takes pixels scaled to [0, 1]');

    // Stock tfjs, no custom classes: it predicts the accuracy the search measured.
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: bytes('weights.bin').slice().buffer,
    }));
    expect(model.layers.some((layer) => layer.getClassName() === 'GFR')).toBe(false);
    const { validation } = splitDataset(digits, { valCount: validationCount(DIGITS), seed: SPLIT_SEED });
    const measured = report.selected.accuracy as number;
    expect((await evaluate(model, validation)).accuracy).toBeCloseTo(measured, 6);
    model.dispose();

    const zipped = studio.exportCandidate({ candidate: 0, format: 'zip' }, context());
    expect(zipped.files.map((f) => f.name)).toEqual(['lenet-pruned-0.zip', 'report.json', 'report.md']);
    expect(Object.keys(unzipSync(new Uint8Array(zipped.files[0].bytes))).sort()).toEqual(['model.json', 'report.json', 'report.md', 'weights.bin']);

    // ONNX of the candidate and of the original: onnxruntime predicts what tfjs does.
    const onnx = studio.exportCandidate({ candidate: tolerant!, format: 'onnx' }, context());
    expect(onnx.files.map((f) => f.name)).toEqual([expect.stringMatching(/^lenet-pruned-\d+\.onnx$/), 'report.json', 'report.md']);
    expect(new TextDecoder().decode(onnx.files[2].bytes)).toMatch(/## Using the exported model \(ONNX\)/);
    // The usage snippet names the file the user downloaded, not a model.onnx they do not have.
    expect(new TextDecoder().decode(onnx.files[2].bytes)).toContain(`InferenceSession.create('${onnx.files[0].name}')`);
    expect(new TextDecoder().decode(onnx.files[2].bytes)).not.toContain('model.onnx');
    const { images, count } = validation;
    const onnxOutputs = await runOnnx(new Uint8Array(onnx.files[0].bytes), images, [count, 28, 28, 1]);
    const stockModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: bytes('weights.bin').slice().buffer }));
    const input = tf.tensor4d(images, [count, 28, 28, 1]);
    expect(maxAbsDifference(onnxOutputs, await predictValues(stockModel, input))).toBeLessThan(1e-4);
    stockModel.dispose();
    input.dispose();
    const original = studio.exportOriginalOnnx(context());
    expect(original.files.map((f) => f.name)).toEqual(['lenet-original.onnx']);

    // Quantized: measured first, then the download's weights.bin is the size measured and the report shows both.
    const figures = await studio.measureQuantized({ candidate: tolerant!, quantization: 'uint8' }, context());
    const uint8 = studio.exportCandidate({ candidate: tolerant!, format: 'files', quantization: 'uint8' }, context());
    expect(uint8.files[1].bytes.byteLength).toBe(figures.weightBytes);
    expect(figures.weightBytes).toBeLessThan(report.selected.weightBytes * 0.3);
    expect(new TextDecoder().decode(uint8.files[3].bytes)).toContain(`| pruned + uint8 kernels | ${(figures.accuracy * 100).toFixed(2)}% |`);
    expect(() => studio.exportCandidate({ candidate: tolerant!, format: 'onnx', quantization: 'uint8' }, context())).toThrow(/ONNX file is float32/);
  });

  it('pauses and resumes training', async () => {
    const studio = await trainedStudio();
    const ctx = context();
    let pausedAt = -1;
    let blockedAt = -1;
    let resumedAt = -1;
    // Resumes once the training loop waits at the gate: the event that proves the pause held, no timer.
    const wait = PauseGate.prototype.wait;
    const gate = vi.spyOn(PauseGate.prototype, 'wait').mockImplementation(function (this: PauseGate, signal?: AbortSignal) {
      const waiting = wait.call(this, signal);
      if (this.paused && blockedAt < 0) {
        blockedAt = ctx.log.length;
        setImmediate(() => {
          resumedAt = ctx.log.length;
          studio.pauseTraining({ paused: false });
        });
      }
      return waiting;
    });
    try {
      const summary = await studio.train(TRAIN, {
        ...ctx,
        progress: (p) => {
          ctx.log.push(p);
          if (p.detail?.kind === 'train' && p.detail.phase === 'sparse' && pausedAt < 0) {
            pausedAt = ctx.log.length;
            expect(studio.pauseTraining({ paused: true })).toEqual({ paused: true });
          }
        },
      });
      expect(pausedAt).toBeGreaterThan(0);
      expect(blockedAt, 'the loop waited at the gate with nothing reported since the pause').toBe(pausedAt);
      expect(resumedAt, 'nothing was reported while paused').toBe(pausedAt);
      expect(summary.steps).toBe(12);
      expect(trainEvents(ctx.log, 'sparse').map((e) => e.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      // The same pretraining settings: pretraining was not repeated.
      expect(trainEvents(ctx.log, 'pretrain')).toEqual([]);
      expect(studio.pauseTraining({ paused: true })).toEqual({ paused: false });
    } finally {
      gate.mockRestore();
    }
  });

  it('a cancelled training keeps the trained model; a cancelled search keeps its candidates', async () => {
    const studio = await trainedStudio();
    await studio.searchStart(SEARCH, context());
    await studio.searchNext({ count: 2 }, context());
    const before = studio.scores({ criterion: 'gfr', ranking: 'global' });

    const ctx = context();
    const training = studio.train({ ...TRAIN, pretrainEpochs: 0, settings: { ...TRAIN.settings, maxSteps: 200 } }, {
      ...ctx,
      progress: (p) => {
        if (p.detail) ctx.controller.abort();
      },
    });
    await expect(training).rejects.toBeInstanceOf(CancelledError);
    expect(studio.scores({ criterion: 'gfr', ranking: 'global' })).toEqual(before);
    expect(studio.select({ kind: 'tolerance', tolerance: 100 }).candidate).not.toBeNull();

    const searchCtx = context();
    const searching = studio.searchNext({ count: 100 }, { ...searchCtx, progress: () => searchCtx.controller.abort() });
    await expect(searching).rejects.toBeInstanceOf(CancelledError);
    await expect(studio.searchNext({ count: 1 }, context())).rejects.toThrow(/cancelled.*Start the search again.*3 candidate/);
    expect(studio.exportCandidate({ candidate: 2, format: 'files' }, context()).files).toHaveLength(4);
  });
});

describe('Studio: the grid stops where accuracy collapsed', () => {
  it('says where and why, selects as the full grid does, and measures the rest on request', async () => {
    const studio = await trainedStudio();
    const grid = { ...SEARCH, ratios: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9], refineSteps: 2 };
    const rules: SelectionRule[] = [
      { kind: 'tolerance', tolerance: 1 }, { kind: 'tolerance', tolerance: 1, by: 'flops' }, { kind: 'budget', metric: 'flops', max: Infinity },
    ];
    const byRatio = (candidates: Candidate[]) => [...candidates].sort((a, b) => a.ratio - b.ratio).map(({ ratio, stage, accuracy, calibrationAccuracy, params }) => ({ ratio, stage, accuracy, calibrationAccuracy, params }));
    const chosenRatio = (candidates: Candidate[], rule: SelectionRule) => candidates.find((c) => c.index === studio.select(rule).candidate)?.ratio;

    await studio.searchStart({ ...grid, fullGrid: true }, context());
    const full = await studio.searchNext({ count: 100 }, context());
    expect(full).toMatchObject({ done: true, gridStop: null });
    const fullChoices = rules.map((rule) => chosenRatio(full.candidates, rule));

    await studio.searchStart(grid, context());
    const early = await studio.searchNext({ count: 100 }, context());
    expect(early.done).toBe(true);
    const stop = early.gridStop!;
    // This briefly trained LeNet collapses well before 0.9 (if it stops no longer, the fixture no longer tests the stop).
    expect(stop).not.toBeNull();
    expect(stop.remaining.length).toBeGreaterThan(0);
    expect(early.candidates.filter((c) => c.stage === 'grid').at(-1)!.ratio).toBe(stop.ratio);
    expect(early.candidates.length).toBeLessThan(full.candidates.length);
    expect(stop.reason).toMatch(/^accuracy collapsed \(ratio [\d.]+: −[\d.]+ ± [\d.]+ points, ratio [\d.]+: .* on the calibration images, past 5 points below the reference\)$/);
    // The same choices as the full grid's: nothing it skipped could be chosen.
    expect(rules.map((rule) => chosenRatio(early.candidates, rule))).toEqual(fullChoices);
    // What the stopped grid measured, the full grid measured alike (the refining pass included).
    const fullByRatio = byRatio(full.candidates);
    expect(byRatio(early.candidates).every((c) => fullByRatio.some((f) => f.ratio === c.ratio && f.stage === c.stage && f.accuracy === c.accuracy && f.calibrationAccuracy === c.calibrationAccuracy))).toBe(true);

    // The report says where the grid stopped.
    const report = studio.exportCandidate({ candidate: studio.select(rules[0]).candidate!, format: 'files' }, context());
    const text = (name: string) => new TextDecoder().decode(report.files.find((f) => f.name === name)!.bytes);
    expect(JSON.parse(text('report.json')).gridStop).toEqual(stop);
    expect(text('report.md')).toContain(`The grid stopped at ratio ${stop.ratio}: accuracy collapsed`);

    // The rest, on request: the remaining ratios, then the same candidates as the full grid.
    const planned = await studio.searchRest(context());
    expect(planned.plannedRatios).toEqual([0, ...grid.ratios.filter((r) => r > 0)]);
    const rest = await studio.searchNext({ count: 100 }, context());
    expect(rest).toMatchObject({ done: true, gridStop: null });
    expect(rest.candidates.map((c) => c.ratio)).toEqual(stop.remaining.filter((ratio) => full.candidates.some((c) => c.ratio === ratio)));
    expect(rest.candidates[0].index).toBe(early.candidates.length);
    expect(byRatio([...early.candidates, ...rest.candidates])).toEqual(fullByRatio);
    await expect(studio.searchRest(context())).rejects.toThrow(/did not stop early/);
  });
});

describe('Studio: the training estimate', () => {
  it('gives way to any other call instead of making it wait', async () => {
    const studio = digitsStudio();
    await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    await studio.loadData({ kind: 'builtin' }, context());
    const estimate = studio.estimateTraining(TRAIN, context());
    const model = await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    expect(model.name).toBe('lenet');
    await expect(estimate).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('Studio: errors the user can act on', () => {
  it('says what to load first and what to do before searching', async () => {
    const studio = digitsStudio();
    await expect(studio.train(TRAIN, context())).rejects.toThrow(/Load a model first/);
    await expect(studio.loadModel({ kind: 'builtin', name: 'alexnet' }, context())).rejects.toThrow(/Unknown built-in model "alexnet". Choose one of: lenet/);
    await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    expect(() => studio.scores({ criterion: 'gamma', ranking: 'global' })).toThrow(/Load data first/);
    await studio.loadData({ kind: 'builtin' }, context());
    await expect(studio.searchStart(SEARCH, context())).rejects.toThrow(/'gfr' criterion needs/);
    await expect(studio.searchNext({ count: 1 }, context())).rejects.toThrow(/Start the search first/);
    expect(() => studio.select({ kind: 'tolerance', tolerance: 1 })).toThrow(/Run the search first/);
    await expect(studio.train({ ...TRAIN, settings: { ...TRAIN.settings, batchSize: 0 } }, context())).rejects.toMatchObject({ name: 'UserError' });
  });

  it('an .onnx model says where it came from, and its ONNX download keeps its input name and NCHW layout', async () => {
    const studio = digitsStudio();
    const onnxBytes = new Uint8Array(readFileSync('src/engine/testing/fixtures/onnx/residual_opset13.onnx'));
    const loaded = await studio.loadModel({ kind: 'files', files: [file('residual.onnx', onnxBytes.slice().buffer)] }, context());
    const origin = specFromOnnx(onnxBytes, 'fixture').origin;
    expect(loaded.onnx).toMatchObject({ inputLayout: 'NCHW', inputName: origin.inputName, opset: 13, rebuiltBatchNorms: expect.any(Number) });
    expect(loaded.onnx!.rebuiltBatchNorms).toBeGreaterThan(0);
    const [height, width] = loaded.inputShape;
    const shades: [number, number, number][] = [[250, 0, 0], [0, 250, 0], [0, 0, 250], [250, 250, 0], [0, 250, 250]];
    const images = shades.flatMap((rgb, c) => Array.from({ length: 4 }, (_, i) => file(`set/c${c}/${i}.png`, fakeImage(width, height, rgb))));
    await studio.loadData({ kind: 'files', files: images }, context());
    // The rebuilt BNs were measured on the images: γ is each channel's spread, not the same neutral value everywhere.
    const scores = studio.scores({ criterion: 'gamma', ranking: 'normalized' });
    expect(scores.groups.some((group) => new Set(group.importance.map((value) => value.toFixed(6))).size > 1)).toBe(true);
    await studio.searchStart({ ...SEARCH, criterion: 'l1', ratios: [0, 0.3], refineSteps: 0 }, context());
    await studio.searchNext({ count: 10 }, context());
    const exported = studio.exportCandidate({ candidate: 1, format: 'onnx' }, context());
    const back = specFromOnnx(new Uint8Array(exported.files[0].bytes), exported.files[0].name);
    expect(back.origin).toMatchObject({ inputLayout: 'NCHW', inputName: origin.inputName });
    expect(new TextDecoder().decode(exported.files[2].bytes)).toContain(`NCHW images [N, 3, ${height}, ${width}]`);
  });

  it('keeps a dropped model whose input disagrees with the data pending, naming both, until data that fits arrives', async () => {
    const studio = digitsStudio();
    await studio.loadData({ kind: 'builtin' }, context());
    const built = lenet({ inputShape: [32, 32, 3], numClasses: 10 });
    const files = modelFilesFromArtifacts(artifactsFromSpec(await specFromModel(built)));
    built.dispose();
    const dropped = files.map((f) => file(`m/${f.name}`, f.bytes.slice().buffer));
    const pending = await studio.loadModel({ kind: 'files', files: dropped }, context());
    expect(pending).toMatchObject({ inputShape: [32, 32, 3], pairing: { pending: expect.stringMatching(/expects 32×32×3 inputs but the data has 28×28×1/) } });
    await expect(studio.train(TRAIN, context())).rejects.toThrow(/expects 32×32×3 inputs but the data has 28×28×1/);
    expect(await studio.checkReference()).toBeNull();
    const fitting = await studio.loadData({ kind: 'files', files: rgbIdxFiles(30, 32) }, context());
    expect(fitting).toMatchObject({ height: 32, channels: 3, pairing: { pending: null } });
    expect(fitting.model).toBeUndefined();
    expect((await studio.checkReference())?.accuracy).toBeGreaterThanOrEqual(0);
    // Data of another size again: pending again, the model stays.
    expect((await studio.loadData({ kind: 'builtin' }, context())).pairing?.pending).toMatch(/expects 32×32×3/);
    await expect(studio.loadModel({ kind: 'files', files: dropped.slice(1) }, context())).rejects.toThrow(/No model.json/);
    await expect(studio.loadModel({ kind: 'files', files: dropped.slice(0, 1) }, context())).rejects.toThrow(/weights.bin.*missing/);
  });

  it('reads dropped IDX files and rebuilds the built-in model for their shape', async () => {
    const studio = digitsStudio();
    await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    const count = 40;
    const pixels = Uint8Array.from({ length: count * 20 * 20 }, (_, i) => i % 251);
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 4);
    const data = await studio.loadData({
      kind: 'files',
      files: [file('train-images-idx3-ubyte', idxFile([count, 20, 20], pixels)), file('train-labels-idx1-ubyte', idxFile([count], labels))],
    }, context());
    expect(data).toMatchObject({ count, height: 20, width: 20, channels: 1, validationCount: 4, classCounts: [10, 10, 10, 10] });
    expect(data.model).toMatchObject({ name: 'lenet', inputShape: [20, 20, 1], numClasses: 4 });
    await expect(studio.loadData({ kind: 'files', files: [file('notes.txt', new ArrayBuffer(3))] }, context())).rejects.toThrow(/No IDX files or images/);
  });

  it('reads a folder of class folders of images, and says what it skipped', async () => {
    const studio = digitsStudio();
    const images = (cls: string, rgb: [number, number, number], n: number) =>
      Array.from({ length: n }, (_, i) => file(`pets/${cls}/${i}.png`, fakeImage(24, 20, rgb)));
    const files = [...images('cat', [10, 10, 10], 5), ...images('dog', [200, 200, 200], 6), file('pets/dog/readme.txt', new ArrayBuffer(4)), file('pets/dog/broken.png', new ArrayBuffer(2))];
    const data = await studio.loadData({ kind: 'files', files }, context());
    expect(data).toMatchObject({ count: 11, height: 20, width: 24, channels: 1, classNames: ['cat', 'dog'], classCounts: [5, 6] });
    expect(data.notes?.join(' ')).toMatch(/Skipped 1 file\(s\) that are not images: readme.txt.*Skipped 1 image\(s\) that could not be decoded: broken.png/);

    // A dropped model sets the size and channels: the images are decoded again.
    const built = lenet({ inputShape: [16, 16, 3], numClasses: 2 });
    const model = modelFilesFromArtifacts(artifactsFromSpec(await specFromModel(built)));
    built.dispose();
    const summary = await studio.loadModel({ kind: 'files', files: model.map((f) => file(f.name, f.bytes.slice().buffer)) }, context());
    expect(summary.data).toMatchObject({ height: 16, width: 16, channels: 3, count: 11 });

    const colour = await new Studio({ decodeImage: fakeDecoder }).loadData({ kind: 'files', files: [...images('a', [255, 0, 0], 2), ...images('b', [0, 0, 255], 2)] }, context());
    expect(colour.channels).toBe(3);
    await expect(studio.loadData({ kind: 'files', files: [...images('cat', [1, 1, 1], 2), file('pets/bird/notes.txt', new ArrayBuffer(1))] }, context()))
      .rejects.toThrow(/Class folder 'bird' in pets holds no images/);
    await expect(studio.loadData({ kind: 'files', files: images('cat', [1, 1, 1], 3) }, context())).rejects.toThrow(/one class folder \('cat'\)/);
  });
});

describe("Studio: the user's own model is the reference", () => {
  it('reads what a dropped model outputs, starts from it trained, and measures it as it is', async () => {
    const built = lenet({ inputShape: [28, 28, 1], numClasses: 10 });
    const spec = await specFromModel(built);
    built.dispose();
    // Ends in logits, as models exported from PyTorch do.
    const output = spec.layers.find((layer) => layer.name === spec.outputs[0])!;
    output.config = { ...output.config, activation: 'linear' };
    const files = modelFilesFromArtifacts(artifactsFromSpec(spec)).map((f) => file(f.name, f.bytes.slice().buffer));
    const studio = digitsStudio();
    expect((await studio.loadModel({ kind: 'builtin', name: 'lenet' }, context())).outputKind).toBe('softmax');
    expect((await studio.loadModel({ kind: 'files', files }, context())).outputKind).toBe('logits');
    await studio.loadData({ kind: 'builtin' }, context());

    const ctx = context();
    await studio.train({ ...TRAIN, pretrainEpochs: 0, settings: { ...TRAIN.settings, maxSteps: 4 } }, ctx);
    expect(trainEvents(ctx.log, 'pretrain')).toEqual([]);
    // A trained start: the accuracy guard reads the calibration images against a floor below the original's.
    const guard = trainEvents(ctx.log, 'sparse').at(-1)?.guard;
    const { reference } = studio.scores({ criterion: 'gfr', ranking: 'global' });
    expect(reference).toMatchObject({ outputKind: 'logits' });
    expect(guard?.floor).toBeLessThan(reference!.calibrationAccuracy);
  });
});

describe('Studio: input preprocessing', () => {
  const caffe = parseScaling('caffe');
  /** The LeNet fixture, trained on digits in [0, 1]. */
  const trainedFixture = () => {
    const dir = 'src/engine/testing/fixtures/lenet-digits-logits';
    return Promise.all(['model.json', 'weights.bin'].map(async (name) => ({ name, bytes: new Uint8Array(await readFile(`${dir}/${name}`)) })));
  };
  /** The same made to take Caffe-style inputs (BGR, ImageNet mean subtracted on 0–255) of 3 channels. */
  const caffeModel = async (remember: boolean): Promise<DroppedFile[]> => {
    const artifacts = artifactsFromSpec(modelExpecting(specFromFiles(await trainedFixture()), caffe, 3));
    return modelFilesFromArtifacts(remember ? withInputScaling(artifacts, caffe) : artifacts).map((f) => file(f.name, f.bytes.slice().buffer));
  };

  it('measures a model trained on normalized inputs right only with its preprocessing', async () => {
    const store = new MemoryStore();
    const studio = new Studio({ store });
    await studio.loadData({ kind: 'files', files: rgbIdxFiles(600) }, context());
    const loaded = await studio.loadModel({ kind: 'files', files: await caffeModel(false) }, context());
    expect(loaded.pairing).toEqual({ pending: null, scaling: DEFAULT_SCALING });
    // Pixels in [0, 1] into a model that wants BGR on 0–255: chance level.
    const wrong = await studio.checkReference();
    expect(wrong!.accuracy).toBeLessThan(0.25);
    expect(await studio.setPreprocessing(caffe, context())).toEqual({ pending: null, scaling: caffe });
    const right = await studio.checkReference();
    expect(right!.accuracy).toBeGreaterThan(0.9);
    // The same images as the fixture sees them in gray, [0, 1]: the same accuracy.
    const gray = new Studio({ store: null });
    await gray.loadData({ kind: 'files', files: [file('train-images-idx3-ubyte', idxFile([600, 28, 28], Uint8Array.from(digits.images.subarray(0, 600 * 784), (v) => Math.round(v * 255)))), rgbIdxFiles(600)[1]] }, context());
    await gray.loadModel({ kind: 'files', files: (await trainedFixture()).map((f) => file(f.name, f.bytes.slice().buffer)) }, context());
    expect((await gray.checkReference())!.accuracy).toBeCloseTo(right!.accuracy, 2);
    await expect(studio.setPreprocessing({ mean: [0, 0], std: [1] }, context())).rejects.toThrow(/mean has 2 values but the images have 3/);

    // Kept with the saved work.
    await studio.savedWork();
    const restored = await new Studio({ store }).restore(context());
    expect(restored?.pairing).toEqual({ pending: null, scaling: caffe });
  });

  it('a model that remembers its preprocessing brings it along; gray data it does not fit goes back to none', async () => {
    const studio = new Studio({ store: null });
    await studio.loadData({ kind: 'files', files: rgbIdxFiles(300) }, context());
    const loaded = await studio.loadModel({ kind: 'files', files: await caffeModel(true) }, context());
    expect(loaded).toMatchObject({ remembered: caffe, pairing: { pending: null, scaling: caffe } });
    expect((await studio.checkReference())!.accuracy).toBeGreaterThan(0.9);
    const builtin = await studio.loadData({ kind: 'builtin' }, context());
    expect(builtin.pairing).toEqual({ pending: expect.stringMatching(/expects 28×28×3 inputs but the data has 28×28×1/), scaling: DEFAULT_SCALING });
    expect(builtin.notes?.join(' ')).toMatch(/does not fit 1-channel images: it is back to pixels in \[0, 1\]/);
  });
});

describe('Studio: nothing is lost on a reload', () => {
  it('restores the model, data, trained model, settings and candidates, and exports a restored candidate', async () => {
    const store = new MemoryStore();
    const first = new Studio({ loadBuiltinData: async () => digits, store });
    expect(await first.restore(context())).toBeNull();
    await first.loadModel({ kind: 'builtin', name: 'lenet' }, context());
    await first.loadData({ kind: 'builtin' }, context());
    const params: TrainParams = { ...TRAIN, pretrainEpochs: 0, settings: { ...TRAIN.settings, maxSteps: 4 } };
    await first.train(params, context());
    const started = await first.searchStart({ ...SEARCH, ratios: [0, 0.3, 0.6] }, context());
    const { candidates } = await first.searchNext({ count: 2 }, context());
    await first.savedWork();

    const second = new Studio({ loadBuiltinData: async () => digits, store });
    const restored = await second.restore(context());
    expect(restored).not.toBeNull();
    expect(restored!.model).toMatchObject({ name: 'lenet', inputShape: [28, 28, 1] });
    expect(restored!.data).toMatchObject({ count: DIGITS, trainCount: DIGITS - 150 });
    expect(restored).toMatchObject({ modelChoice: 'lenet', dataChoice: 'builtin' });
    expect(restored!.training?.params).toEqual(params);
    // The training curve comes back for the charts: one point per step.
    expect(restored!.training?.curve?.map((point) => [point.phase, point.step])).toEqual([1, 2, 3, 4].map((step) => ['sparse', step]));
    expect(restored!.search).toMatchObject({ candidates, done: false, exportable: [0, 1], plannedRatios: [0, 0.3, 0.6], reference: started.reference });
    expect(restored!.search!.elapsedMs).toBeGreaterThan(0);
    expect(restored!.notes).toEqual([]);
    expect(second.scores({ criterion: 'gfr', ranking: 'global' })).toEqual(first.scores({ criterion: 'gfr', ranking: 'global' }));
    const fromFirst = first.exportCandidate({ candidate: 1, format: 'files' }, context()).files[1].bytes;
    const fromSecond = second.exportCandidate({ candidate: 1, format: 'files' }, context()).files[1].bytes;
    expect(new Uint8Array(fromSecond)).toEqual(new Uint8Array(fromFirst));
    expect(second.select({ kind: 'tolerance', tolerance: 100 }).candidate).not.toBeNull();
    await expect(second.searchNext({ count: 1 }, context())).rejects.toThrow(/interrupted by a reload.*Start the search again/);
    expect(second.select({ kind: 'tolerance', tolerance: 100 }).reference).toEqual(started.reference);

    // Work saved in layout 1 (no version written; a search saved before the original became the reference,
    // a training before trainedStart was kept) is migrated: the search comes back as a note, not as candidates.
    const saved = await store.get<Record<string, unknown>>('search');
    const savedTraining = await store.get<Record<string, unknown>>('training');
    delete saved!.reference;
    delete savedTraining!.trainedStart;
    // Layout 1 called the kind of sparsity target `measure`.
    const record = savedTraining!.record as { curve: Record<string, unknown>[] };
    const kinds = record.curve.map((point) => point.targetKind);
    expect(kinds).toContain('channels');
    record.curve = record.curve.map(({ targetKind, ...point }) => ({ ...point, measure: targetKind }));
    await store.write({ set: [['search', saved], ['training', savedTraining]], delete: ['schema'] });
    const stale = new Studio({ loadBuiltinData: async () => digits, store });
    const old = await stale.restore(context());
    expect(old).toMatchObject({ search: null, training: { params } });
    expect(old!.training!.curve!.map((point) => point.targetKind)).toEqual(kinds);
    expect(old!.notes).toEqual([expect.stringMatching(/measured before the original model became the reference; run the search again/)]);
    await stale.savedWork();
    expect(await store.get('search')).toBeUndefined();
    expect(await store.get('schema')).toBe(SCHEMA_VERSION);
    // The built-in lenet was trained from scratch, without pretraining: not a trained start.
    expect(await store.get('training')).toMatchObject({ trainedStart: false });

    // New data drops the training and the search of the old data.
    const count = 30;
    await second.loadData({
      kind: 'files',
      files: [
        file('train-images-idx3-ubyte', idxFile([count, 28, 28], new Uint8Array(count * 784).fill(7))),
        file('train-labels-idx1-ubyte', idxFile([count], Uint8Array.from({ length: count }, (_, i) => i % 10))),
      ],
    }, context());
    await second.savedWork();
    const third = await new Studio({ store }).restore(context());
    expect(third).toMatchObject({ data: { count, source: 'train-images-idx3-ubyte' }, training: null, search: null });
  });
});

describe("Studio: the user's own validation images", () => {
  /** `count` digits of the whole built-in set from `from` on (not among the 1,500 loaded as the data), as IDX files. */
  async function ownValidationFiles(from: number, count: number): Promise<DroppedFile[]> {
    const all = await loadBuiltinDigits();
    return [
      file('t10k-images-idx3-ubyte', idxFile([count, 28, 28], Uint8Array.from(all.images.subarray(from * 784, (from + count) * 784), (v) => Math.round(v * 255)))),
      file('t10k-labels-idx1-ubyte', idxFile([count], Uint8Array.from(all.labels.subarray(from, from + count)))),
    ];
  }
  const LOGITS_DIR = 'src/engine/testing/fixtures/lenet-digits-logits';
  const logitsModel = async (): Promise<DroppedFile[]> =>
    Promise.all(['model.json', 'weights.bin'].map(async (name) => file(name, new Uint8Array(await readFile(`${LOGITS_DIR}/${name}`)).slice().buffer)));

  it('judge the result on them while all of the data trains; refused when they do not fit, nothing lost; kept over a reload; removed, back to the split', async () => {
    const store = new MemoryStore();
    const studio = new Studio({ loadBuiltinData: async () => digits, store });
    await studio.loadModel({ kind: 'files', files: await logitsModel() }, context());
    const held = await studio.loadData({ kind: 'builtin' }, context());
    expect(held).toMatchObject({ trainCount: DIGITS - 150, validationCount: 150, validation: { separate: false, count: 150 } });
    const heldOut = await studio.checkReference();

    const files = await ownValidationFiles(9000, 200);
    const own = await studio.loadValidationData({ kind: 'files', files }, context());
    expect(own).toMatchObject({ count: DIGITS, trainCount: DIGITS, validationCount: 200, validation: { separate: true, source: 't10k-images-idx3-ubyte', count: 200 } });
    // The original is measured on those 200 images: what stock evaluation of the model on them gives.
    const reference = await studio.checkReference();
    const model = await modelFromSpec(specFromFiles((await logitsModel()).map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) }))));
    const theirs = await evaluate(model, datasetFromIdxFiles(files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) }))));
    model.dispose();
    expect(reference!.accuracy).toBe(theirs.accuracy);
    expect(reference!.accuracy).not.toBe(heldOut!.accuracy);

    // The report of a download says which images judged it, and that all of the data trained and calibrated.
    await studio.searchStart({ ...SEARCH, criterion: 'l1', ratios: [0], refineSteps: 0 }, context());
    await studio.searchNext({ count: 1 }, context());
    const exported = studio.exportCandidate({ candidate: 0, format: 'files' }, context());
    const report = JSON.parse(new TextDecoder().decode(exported.files.find((f) => f.name === 'report.json')!.bytes));
    expect(report.data.train + report.data.calibration).toBe(DIGITS);
    expect(report.data.validation).toEqual({ source: 't10k-images-idx3-ubyte', count: 200, separate: true });

    // Images of another channel count: a message that says what differs; the images before and the search stay.
    await expect(studio.loadValidationData({ kind: 'files', files: rgbIdxFiles(30) }, context()))
      .rejects.toThrow(/validation images \(train-images-idx3-ubyte\) do not fit: they have 3 channels where your data has 1 channel\. .*your data and your work are as they were/);
    expect(await studio.checkReference()).toEqual(reference);
    expect(studio.select({ kind: 'tolerance', tolerance: 1 }).candidate).toBe(0);
    await studio.savedWork();

    // A reload brings them back.
    const restored = await new Studio({ loadBuiltinData: async () => digits, store }).restore(context());
    expect(restored!.data).toMatchObject({ trainCount: DIGITS, validationCount: 200, validation: { separate: true, source: 't10k-images-idx3-ubyte' } });
    expect(restored!.notes).toEqual([]);

    // Removed: back to the images held out from the data, also after a reload.
    const back = await studio.loadValidationData({ kind: 'none' }, context());
    expect(back).toMatchObject({ trainCount: DIGITS - 150, validationCount: 150, validation: { separate: false } });
    expect(await studio.checkReference()).toEqual(heldOut);
    await studio.savedWork();
    const again = await new Studio({ loadBuiltinData: async () => digits, store }).restore(context());
    expect(again!.data).toMatchObject({ trainCount: DIGITS - 150, validation: { separate: false } });
  });
});
