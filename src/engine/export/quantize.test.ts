import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../backend/node';
import type { ImageDataset, ModelSpec } from '../core/types';
import { loadBuiltinDigits } from '../data/builtinDigits';
import { evaluate } from '../eval/evaluate';
import { modelFilesFromArtifacts } from '../io/modelFiles';
import { artifactsFromSpec, countSpecParams, specFromModel } from '../io/modelSpec';
import { halfToFloat } from '../io/weightData';
import { maxAbsDifference, predictValues } from '../testing/tensors';
import { buildBuiltinModel } from '../zoo';
import { floatToHalf, quantizeArtifacts, quantizeUint8, WEIGHT_QUANTIZATIONS } from './quantize';
import { measureQuantized } from './quantizedFigures';

let digits: ImageDataset;
let lenet: ModelSpec;

beforeAll(async () => {
  await useNodeBackend('wasm');
  digits = await loadBuiltinDigits();
  // Trained a little, so that accuracy means something and quantization could spoil it.
  const model = buildBuiltinModel('lenet', { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'sparseCategoricalCrossentropy' });
  const count = 3000;
  const x = tf.tensor4d(digits.images.subarray(0, count * 784), [count, 28, 28, 1]);
  const y = tf.tensor1d(digits.labels.subarray(0, count), 'float32');
  await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
  tf.dispose([x, y]);
  lenet = await specFromModel(model);
  model.dispose();
});

/** Loads model.json + weights.bin as a user of plain tfjs would: stock loadLayersModel on the files' contents. */
async function loadStock(files: { name: string; bytes: Uint8Array }[]): Promise<tf.LayersModel> {
  const json = JSON.parse(new TextDecoder().decode(files.find((file) => file.name === 'model.json')!.bytes));
  const bin = files.find((file) => file.name === 'weights.bin')!.bytes;
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: bin.slice().buffer,
  }));
}

describe('float16', () => {
  it('encodes numbers as the nearest half, saturating and keeping subnormals', () => {
    for (const value of [0, 1, -2.5, 0.1, 1 / 3, 65504, -1e-5, 6e-8, 3.14159]) {
      const back = halfToFloat(floatToHalf(value));
      expect(Math.abs(back - value)).toBeLessThanOrEqual(Math.max(Math.abs(value) * 2 ** -11, 2 ** -25));
    }
    expect(halfToFloat(floatToHalf(1e6))).toBe(65504);
    expect(floatToHalf(-0)).toBe(0x8000);
  });
});

describe('uint8', () => {
  it('keeps zero exact and every value within half a step', () => {
    const values = Float32Array.from([-0.7, 0, 0.2, 1.3, 0.05]);
    const { codes, scale, min } = quantizeUint8(values);
    const back = Array.from(codes, (code) => code * scale + min);
    expect(back[1]).toBeCloseTo(0, 12);
    expect(maxAbsDifference(back, values)).toBeLessThanOrEqual(scale / 2 + 1e-9);
  });
});

describe.each(WEIGHT_QUANTIZATIONS)('quantized export (%s)', (quantization) => {
  it('loads with stock tf.loadLayersModel; weights.bin has the reported size; accuracy is the measured one', async () => {
    const files = modelFilesFromArtifacts(quantizeArtifacts(artifactsFromSpec(lenet), quantization));
    const json = JSON.parse(new TextDecoder().decode(files[0].bytes));
    const kernels = json.weightsManifest[0].weights.filter((entry: tf.io.WeightsManifestEntry) => entry.shape.length >= 2);
    expect(kernels.length).toBeGreaterThan(0);
    expect(kernels.every((entry: tf.io.WeightsManifestEntry) => entry.quantization?.dtype === quantization)).toBe(true);

    const validation = { ...digits, images: digits.images.subarray(9000 * 784), labels: digits.labels.subarray(9000), count: 1000 };
    const measured = await measureQuantized(lenet, quantization, validation, 'softmax');
    const bin = files.find((file) => file.name === 'weights.bin')!.bytes;
    expect(bin.byteLength).toBe(measured.weightBytes);
    const float32Bytes = countSpecParams(lenet) * 4;
    expect(measured.weightBytes).toBeLessThan(float32Bytes * (quantization === 'float16' ? 0.55 : 0.3));

    const model = await loadStock(files);
    const { accuracy } = await evaluate(model, validation, { outputKind: 'softmax' });
    expect(accuracy).toBe(measured.accuracy);
    expect(accuracy).toBeGreaterThan(0.8);

    // Close to the float32 model's outputs: float16 much closer than uint8.
    const float32 = await loadStock(modelFilesFromArtifacts(artifactsFromSpec(lenet)));
    const input = tf.tensor4d(validation.images.subarray(0, 16 * 784), [16, 28, 28, 1]);
    const difference = maxAbsDifference(await predictValues(float32, input), await predictValues(model, input));
    expect(difference).toBeLessThan(quantization === 'float16' ? 5e-3 : 0.1);
    expect(difference).toBeGreaterThan(0);
    tf.dispose([input]);
    model.dispose();
    float32.dispose();
  });
});
