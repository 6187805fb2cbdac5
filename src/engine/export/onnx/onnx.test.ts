import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors';
import type { ImageDataset, ModelSpec } from '../../core/types';
import { loadBuiltinDigits } from '../../data/builtinDigits';
import { analyzeModel } from '../../graph/analyze';
import { insertGfrLayers } from '../../gfr/instrument';
import { layerByName, specFromModel } from '../../io/modelSpec';
import { applyPlan } from '../../prune/applyPlan';
import { rankChannels, scoreChannels } from '../../score/importance';
import { planForRatio } from '../../../contract/plan';
import { runOnnx } from '../../testing/onnxRuntime';
import { syntheticDataset } from '../../testing/syntheticData';
import { maxAbsDifference, predictSpec } from '../../testing/tensors';
import { everyLayerModel } from '../../testing/everyLayerModel';
import { concatModel, depthwiseModel, flattenModel, randomizeNormalization, residualModel } from '../../testing/tinyModels';
import { buildBuiltinModel, type BuiltinModelName } from '../../zoo';
import { ONNX_LAYER_CLASSES } from './layers';
import { onnxFromSpec, type OnnxExportOptions } from './toOnnx';

const TOLERANCE = 1e-4;
let digits: ImageDataset;

beforeAll(async () => {
  await tf.setBackend('cpu');
  digits = await loadBuiltinDigits();
});

/** The first `count` images of a dataset, as NHWC floats and their shape. */
function firstImages(data: ImageDataset, count: number): { images: Float32Array; shape: number[] } {
  const per = data.height * data.width * data.channels;
  return { images: data.images.slice(0, count * per), shape: [count, data.height, data.width, data.channels] };
}

/** tfjs's outputs on `tfjsImages` and onnxruntime's on `onnxImages` (the same images unless the file normalizes). */
async function bothOutputs(spec: ModelSpec, options: OnnxExportOptions, { images, shape }: { images: Float32Array; shape: number[] }, onnxImages = images): Promise<[Float32Array, Float32Array]> {
  const input = tf.tensor(images, shape);
  const expected = await predictSpec(spec, input);
  input.dispose();
  return [expected, await runOnnx(onnxFromSpec(spec, options), onnxImages, shape)];
}

async function builtinSpec(name: BuiltinModelName, inputShape: [number, number, number]): Promise<ModelSpec> {
  const model = buildBuiltinModel(name, { inputShape, numClasses: 10, seed: 1 });
  const spec = await specFromModel(model);
  model.dispose();
  // Untrained BNs are the identity; real statistics make the folding show.
  return randomizeNormalization(spec);
}

/** The model without its final softmax: logits differ more than probabilities, so the comparison is stricter. */
function withLogits(spec: ModelSpec): ModelSpec {
  layerByName(spec, spec.outputs[0]).config.activation = 'linear';
  return spec;
}

/** Largest minus smallest value: outputs that do not depend on the input would compare equal for nothing. */
const spread = (values: Float32Array): number => Math.max(...values) - Math.min(...values);

/** Removes half of the prunable channels by filter norm, as a candidate of the search would. */
function pruneHalf(spec: ModelSpec): ModelSpec {
  const analysis = analyzeModel(spec);
  const ranking = rankChannels(scoreChannels(spec, analysis, { criterion: 'l1' }));
  return applyPlan(spec, analysis, planForRatio(ranking, analysis, 0.5));
}

describe('ONNX export', () => {
  it('LeNet on digits: outputs within 1e-4 of tfjs, unpruned and pruned', async () => {
    const spec = await builtinSpec('lenet', [28, 28, 1]);
    const pruned = pruneHalf(spec);
    expect(analyzeModel(pruned).params).toBeLessThan(analyzeModel(spec).params);
    for (const model of [spec, pruned]) {
      const [expected, actual] = await bothOutputs(model, {}, firstImages(digits, 8));
      expect(maxAbsDifference(expected, actual)).toBeLessThan(TOLERANCE);
    }
  });

  it.each([
    ['vgg', 32],
    ['resnet', 16],
    ['mobilenet', 16],
  ] as const)('%s on %i-pixel colour images: logits within 1e-4 of tfjs, unpruned and pruned', async (name, size) => {
    const spec = withLogits(await builtinSpec(name, [size, size, 3]));
    const data = syntheticDataset(4, size, 3);
    for (const model of [spec, pruneHalf(spec)]) {
      const [expected, actual] = await bothOutputs(model, {}, firstImages(data, 4));
      expect(spread(expected)).toBeGreaterThan(0.1);
      expect(maxAbsDifference(expected, actual)).toBeLessThan(TOLERANCE);
    }
  });

  it.each([
    ['residual Add', residualModel],
    ['depthwise', depthwiseModel],
    ['Concatenate', concatModel],
    ['Flatten → Dense', flattenModel],
  ] as const)('a model with %s: outputs within 1e-4 of tfjs', async (_name, build) => {
    const spec = await build();
    const [expected, actual] = await bothOutputs(spec, {}, firstImages(syntheticDataset(5, 6, 2), 5));
    expect(spread(expected)).toBeGreaterThan(0.1);
    expect(maxAbsDifference(expected, actual)).toBeLessThan(TOLERANCE);
  });

  it('writes every layer class and activation it lists: outputs within 1e-4 of tfjs', async () => {
    const spec = await everyLayerModel();
    const classes = new Set(spec.layers.map((layer) => layer.className));
    for (const name of ONNX_LAYER_CLASSES.filter((c) => c !== 'SpatialDropout2D')) expect(classes, name).toContain(name);
    const [expected, actual] = await bothOutputs(spec, {}, firstImages(syntheticDataset(3, 9, 2), 3));
    expect(spread(expected)).toBeGreaterThan(0.1);
    expect(maxAbsDifference(expected, actual)).toBeLessThan(TOLERANCE);
  });

  it('folds GFR layers, as the exported candidates are', async () => {
    const spec = await residualModel();
    const instrumented = insertGfrLayers(spec, analyzeModel(spec));
    const gfr = instrumented.layers.find((layer) => layer.className === 'GFR')!;
    gfr.weights.sr.values.forEach((_, i, sr) => (sr[i] = 0.3 + 0.2 * i));
    const input = firstImages(syntheticDataset(3, 6, 2), 3);
    const [expected, actual] = await bothOutputs(instrumented, {}, input);
    expect(maxAbsDifference(expected, actual)).toBeLessThan(TOLERANCE);
  });

  it('applies the input normalization in its first nodes, so it takes pixels in [0, 1] (on by default)', async () => {
    const spec = await builtinSpec('lenet', [28, 28, 1]);
    const scaling = { mean: [0.1307], std: [0.3081] };
    const pixels = firstImages(digits, 4);
    const normalized = { ...pixels, images: pixels.images.map((x) => (x - scaling.mean[0]) / scaling.std[0]) };
    const [expected, fromPixels] = await bothOutputs(spec, { inputScaling: scaling }, normalized, pixels.images);
    expect(maxAbsDifference(expected, fromPixels)).toBeLessThan(TOLERANCE);
    // Turned off, the file takes the normalized images, as the tfjs model does.
    const [, fromNormalized] = await bothOutputs(spec, { inputScaling: scaling, normalize: false }, normalized);
    expect(maxAbsDifference(expected, fromNormalized)).toBeLessThan(TOLERANCE);
    expect(maxAbsDifference(expected, await runOnnx(onnxFromSpec(spec, { inputScaling: scaling, normalize: false }), pixels.images, pixels.shape))).toBeGreaterThan(1e-3);
  });

  it('normalizes each channel with its own mean and std', async () => {
    const spec = await builtinSpec('mobilenet', [8, 8, 3]);
    const scaling = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const pixels = firstImages(syntheticDataset(2, 8, 3), 2);
    const normalized = { ...pixels, images: pixels.images.map((x, i) => (x - scaling.mean[i % 3]) / scaling.std[i % 3]) };
    const [expected, actual] = await bothOutputs(spec, { inputScaling: scaling }, normalized, pixels.images);
    expect(maxAbsDifference(expected, actual)).toBeLessThan(TOLERANCE);
  });

  it('refuses what it cannot write with a UserError naming the layer', async () => {
    const spec = await flattenModel();
    layerByName(spec, 'relu1').config.activation = 'gelu_custom';
    expect(() => onnxFromSpec(spec)).toThrow(UserError);
    expect(() => onnxFromSpec(spec)).toThrow(/relu1/);
    const scaled = await flattenModel();
    expect(() => onnxFromSpec(scaled, { inputScaling: { mean: [0.1, 0.2, 0.3], std: [1] } })).toThrow(/3 mean values .* 2 channels/);
  });
});
