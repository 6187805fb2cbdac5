import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageDataset, ModelSpec } from '../core/types';
import { loadBuiltinDigits } from '../data/builtinDigits';
import { evaluate } from '../eval/evaluate';
import { loadModelFiles, modelFilesFromArtifacts } from '../io/modelFiles';
import { artifactsFromSpec, countSpecParams } from '../io/modelSpec';
import { halfToFloat } from '../io/weightData';
import { maxAbsDifference, predictValues } from '../testing/tensors';
import { floatToHalf, quantizeArtifacts, quantizeUint8 } from './quantize';
import { measureQuantized } from './quantizedFigures';
import { WEIGHT_QUANTIZATIONS } from '../../contract/candidate';

let digits: ImageDataset;
let lenet: ModelSpec;

/** LeNet trained to convergence on the digits after the first 5,500 (it outputs logits). */
const FIXTURE = join(process.cwd(), 'src/engine/testing/fixtures/lenet-digits-logits');

beforeAll(async () => {
  await tf.setBackend('cpu');
  digits = await loadBuiltinDigits();
  const read = (name: string) => ({ name, bytes: new Uint8Array(readFileSync(join(FIXTURE, name))) });
  lenet = (await loadModelFiles([read('model.json'), read('weights.bin')])).spec;
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

    // Images the fixture never trained on.
    const validation = { ...digits, images: digits.images.subarray(5000 * 784, 5500 * 784), labels: digits.labels.subarray(5000, 5500), count: 500 };
    const measured = await measureQuantized(lenet, quantization, validation, 'logits');
    const bin = files.find((file) => file.name === 'weights.bin')!.bytes;
    expect(bin.byteLength).toBe(measured.weightBytes);
    const float32Bytes = countSpecParams(lenet) * 4;
    expect(measured.weightBytes).toBeLessThan(float32Bytes * (quantization === 'float16' ? 0.55 : 0.3));

    const model = await loadStock(files);
    const { accuracy } = await evaluate(model, validation, { outputKind: 'logits' });
    expect(accuracy).toBe(measured.accuracy);
    expect(accuracy).toBeGreaterThan(0.95);

    // Close to the float32 model's logits (relative to their size): float16 much closer than uint8.
    const float32 = await loadStock(modelFilesFromArtifacts(artifactsFromSpec(lenet)));
    const input = tf.tensor4d(validation.images.subarray(0, 16 * 784), [16, 28, 28, 1]);
    const reference = await predictValues(float32, input);
    const difference = maxAbsDifference(reference, await predictValues(model, input));
    const scale = Math.max(...reference.map(Math.abs));
    expect(difference / scale).toBeLessThan(quantization === 'float16' ? 1e-3 : 3e-2);
    expect(difference).toBeGreaterThan(0);
    tf.dispose([input]);
    model.dispose();
    float32.dispose();

    // Dropped back into the studio (or given to the CLI), it reads as the same model.
    const { spec } = await loadModelFiles(files);
    expect(countSpecParams(spec)).toBe(countSpecParams(lenet));
  });
});
