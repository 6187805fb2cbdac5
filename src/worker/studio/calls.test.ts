/**
 * The studio's calls, driven as the page drives them, on the wasm backend under Node: load → train (with events) →
 * scores → search step by step → select → export, then the export reloaded with stock tfjs; and the errors that say
 * what to do first.
 */
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCALING } from '../../contract/preprocessing';
import type { Candidate } from '../../contract/candidate';
import { splitDataset } from '../../engine/data/split';
import { evaluate } from '../../engine/eval/evaluate';
import { runOnnx } from '../../engine/testing/onnxRuntime';
import { maxAbsDifference, predictValues } from '../../engine/testing/tensors';
import { validationCount } from '../dataSummary';
import { SPLIT_SEED } from './loadedData';
import { context, details, DIGITS, digits, digitsStudio, expectNoTensorsLeft, SEARCH, setUpDigits, TRAIN, trainedStudio } from './testing';

beforeAll(() => setUpDigits());

describe('Studio: the whole flow on the built-in lenet and digits', () => {
  expectNoTensorsLeft();

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
    const { validation } = splitDataset(digits(), { valCount: validationCount(DIGITS), seed: SPLIT_SEED });
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
    const original = studio.exportOriginalOnnx({}, context());
    expect(original.files.map((f) => f.name)).toEqual(['lenet-original.onnx']);

    // Quantized: measured first, then the download's weights.bin is the size measured and the report shows both.
    const figures = await studio.measureQuantized({ candidate: tolerant!, quantization: 'uint8' }, context());
    const uint8 = studio.exportCandidate({ candidate: tolerant!, format: 'files', quantization: 'uint8' }, context());
    expect(uint8.files[1].bytes.byteLength).toBe(figures.weightBytes);
    expect(figures.weightBytes).toBeLessThan(report.selected.weightBytes * 0.3);
    expect(new TextDecoder().decode(uint8.files[3].bytes)).toContain(`| pruned + uint8 kernels | ${(figures.accuracy * 100).toFixed(2)}% |`);
    expect(() => studio.exportCandidate({ candidate: tolerant!, format: 'onnx', quantization: 'uint8' }, context())).toThrow(/ONNX file is float32/);
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
});
