/** Quantized manifests (as `tensorflowjs_converter --quantize_*` writes them) are dequantized on load. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { savedArtifacts } from '../testing/artifacts';
import { resnetStages } from '../testing/realModels';
import { maxAbsDifference } from '../testing/tensors';
import { specFromArtifacts, specFromModel } from './modelSpec';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** IEEE 754 half precision, round to nearest (the converter's float16). */
function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent <= 0) return sign;
  if (exponent >= 31) return sign | 0x7c00;
  return sign | (exponent << 10) | Math.round(mantissa / 8192);
}

type Quantization = 'uint8' | 'uint16' | 'float16';

function quantize(values: Float32Array, dtype: Quantization): { bytes: Uint8Array; dequantized: Float32Array; quantization: tf.io.WeightsManifestEntry['quantization'] } {
  if (dtype === 'float16') {
    const half = Uint16Array.from(values, toHalf);
    return { bytes: new Uint8Array(half.buffer), dequantized: values, quantization: { dtype } };
  }
  const levels = dtype === 'uint8' ? 255 : 65535;
  const min = Math.min(...values);
  const scale = (Math.max(...values) - min) / levels || 1;
  const rounded = Array.from(values, (v) => Math.round((v - min) / scale));
  const codes = dtype === 'uint8' ? Uint8Array.from(rounded) : Uint16Array.from(rounded);
  return { bytes: new Uint8Array(codes.buffer), dequantized: Float32Array.from(codes, (q) => q * scale + min), quantization: { dtype, scale, min } };
}

describe('quantized weights', () => {
  it('reads uint8, uint16 and float16 entries as the dequantized floats', async () => {
    const model = resnetStages();
    const artifacts = await savedArtifacts(model);
    const original = await specFromModel(model);
    const kinds: Quantization[] = ['uint8', 'uint16', 'float16'];
    const chunks: Uint8Array[] = [];
    const expected = new Map<string, Float32Array>();
    const weightSpecs = artifacts.weightSpecs!.map((entry, index) => {
      const [layer, key] = entry.name.split('/');
      const values = original.layers.find((l) => l.name === layer)!.weights[key].values;
      const { bytes, dequantized, quantization } = quantize(values, kinds[index % 3]);
      chunks.push(bytes);
      expected.set(entry.name, dequantized);
      return { ...entry, quantization };
    });
    const data = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
    chunks.reduce((offset, chunk) => (data.set(chunk, offset), offset + chunk.length), 0);
    const spec = specFromArtifacts({ ...artifacts, weightSpecs, weightData: data.buffer });
    for (const [name, values] of expected) {
      const [layer, key] = name.split('/');
      const loaded = spec.layers.find((l) => l.name === layer)!.weights[key].values;
      // float16 keeps 11 significant bits.
      expect(maxAbsDifference(loaded, values), name).toBeLessThan(name.endsWith('variance') ? 2e-3 : 1e-3);
    }
    model.dispose();
  });
});
