/**
 * The engine's per-layer tables must agree: every layer class the engine can
 * prune (graph/handlers.ts) is written by the ONNX export (export/onnx/layers.ts)
 * and read back by the ONNX import (io/onnx).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ONNX_LAYER_CLASSES } from '../export/onnx/layers';
import { onnxFromSpec } from '../export/onnx/toOnnx';
import { specFromOnnx } from '../io/onnx/importOnnx';
import { everyLayerModel } from '../testing/everyLayerModel';
import { syntheticDataset } from '../testing/syntheticData';
import { maxAbsDifference, predictSpec } from '../testing/tensors';
import { SUPPORTED_LAYER_CLASSES } from './handlers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Classes with no node of their own in an ONNX file, and why. */
const NOT_WRITTEN: Record<string, string> = {
  InputLayer: 'the graph input',
  GFR: 'folded into the BatchNormalization before it (export/onnx/toOnnx.ts)',
};
/** Classes the import has nothing to read for, and why. */
const NOT_READ: Record<string, string> = {
  ...NOT_WRITTEN,
  Dropout: 'the identity at inference: written as no node',
  SpatialDropout2D: 'the identity at inference: written as no node',
};

describe('the per-layer tables', () => {
  it('every layer class the engine can prune has an ONNX converter', () => {
    const missing = SUPPORTED_LAYER_CLASSES.filter((name) => !NOT_WRITTEN[name] && !ONNX_LAYER_CLASSES.includes(name));
    expect(missing).toEqual([]);
  });

  it('the ONNX import reads back every class the export writes: a model with all of them returns with each, computing the same', async () => {
    const spec = await everyLayerModel();
    const written = new Set(spec.layers.map((layer) => layer.className));
    // tfjs has no SpatialDropout2D layer to build; it is a pass-through like Dropout.
    expect(SUPPORTED_LAYER_CLASSES.filter((name) => !written.has(name))).toEqual(['GFR', 'SpatialDropout2D']);
    const imported = specFromOnnx(onnxFromSpec(spec), 'every-layer.onnx').spec;
    const read = new Set(imported.layers.map((layer) => layer.className));
    expect(SUPPORTED_LAYER_CLASSES.filter((name) => !NOT_READ[name] && !read.has(name))).toEqual([]);

    const data = syntheticDataset(3, 9, 2);
    const input = tf.tensor(data.images, [data.count, data.height, data.width, data.channels]);
    const [original, roundTrip] = [await predictSpec(spec, input), await predictSpec(imported, input)];
    input.dispose();
    expect(maxAbsDifference(original, roundTrip)).toBeLessThan(1e-4);
  });
});
