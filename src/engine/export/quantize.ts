/**
 * Quantized tfjs weights, in the standard weights manifest: each quantized
 * entry keeps `dtype: 'float32'` and says how it is stored in `quantization`
 * ({ dtype: 'float16' }, or { dtype: 'uint8', scale, min } with
 * value = code · scale + min), which stock `tf.loadLayersModel` dequantizes
 * while loading, as it does for the tfjs converter's `--quantize_float16` and
 * `--quantize_uint8`. Kernels (weights of rank ≥ 2) are quantized; biases and
 * BatchNormalization vectors stay float32: they are a small share of the
 * bytes, and 8-bit variances would shift every channel's scale.
 */
import type * as tf from '@tensorflow/tfjs';
import { concatBytes } from '../core/bytes';
import type { WeightQuantization } from '../../contract/candidate';
import { decodeWeightData } from '../io/weightData';


const float = new Float32Array(1);
const bits = new Uint32Array(float.buffer);

/** IEEE 754 half precision bits of a number, rounded to nearest even; beyond ±65504 it saturates. */
export function floatToHalf(value: number): number {
  float[0] = value;
  const x = bits[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7bff;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    // Subnormal: the implicit 1 joins the mantissa, shifted into place, then rounded.
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    const rounded = roundShift(full, shift);
    return sign | rounded;
  }
  const rounded = roundShift(mantissa, 13);
  // A mantissa that rounds up past 10 bits carries into the exponent, which the addition does by itself.
  return sign | ((halfExponent << 10) + rounded);
}

/** value >> shift, rounded to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** uint8 codes with value ≈ code · scale + min, zero exactly representable (as the tfjs converter does). */
export function quantizeUint8(values: Float32Array): { codes: Uint8Array; scale: number; min: number } {
  let low = 0;
  let high = 0;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  const scale = high > low ? (high - low) / 255 : 1;
  const zeroPoint = Math.round(-low / scale);
  const min = -zeroPoint * scale;
  const codes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = Math.min(255, Math.max(0, Math.round(values[i] / scale) + zeroPoint));
  return { codes, scale, min };
}

const shouldQuantize = (entry: tf.io.WeightsManifestEntry): boolean => entry.dtype === 'float32' && entry.shape.length >= 2;

/** The same model with its kernels stored as float16 or uint8. */
export function quantizeArtifacts(artifacts: tf.io.ModelArtifacts, quantization: WeightQuantization): tf.io.ModelArtifacts {
  const entries = artifacts.weightSpecs ?? [];
  const decoded = decodeWeightData(artifacts.weightData!, entries);
  const chunks: Uint8Array[] = [];
  const weightSpecs = entries.map((entry): tf.io.WeightsManifestEntry => {
    const { values } = decoded[entry.name];
    if (!shouldQuantize(entry)) {
      chunks.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      return { ...entry, shape: [...entry.shape] };
    }
    if (quantization === 'float16') {
      chunks.push(new Uint8Array(Uint16Array.from(values, floatToHalf).buffer));
      return { ...entry, shape: [...entry.shape], quantization: { dtype: 'float16' } };
    }
    const { codes, scale, min } = quantizeUint8(values);
    chunks.push(codes);
    return { ...entry, shape: [...entry.shape], quantization: { dtype: 'uint8', scale, min } };
  });
  return { ...artifacts, weightSpecs, weightData: concatBytes(chunks) };
}

/** Bytes of the weight data, as weights.bin holds it. */
export function weightDataBytes(artifacts: tf.io.ModelArtifacts): number {
  const data = artifacts.weightData;
  if (!data) return 0;
  return Array.isArray(data) ? data.reduce((sum, part) => sum + part.byteLength, 0) : data.byteLength;
}
