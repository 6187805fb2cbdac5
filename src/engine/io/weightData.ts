/**
 * Weight values from a tfjs weights manifest: checked before anything is
 * allocated (shapes, dtypes, sizes), decoded in plain JS (uint8, uint16 and
 * float16 entries dequantized as tfjs does), then checked for NaN and
 * infinities. No tensors: reading a model never touches the GPU, where a
 * synchronous read would break WebGPU's later asynchronous ones.
 */
import type * as tf from '@tensorflow/tfjs';
import { concatBytes } from '../core/bytes';
import { UserError } from '../core/errors';
import type { LayerSpec, ModelSpec, WeightArray } from '../core/types';

/** Most weight values a model may hold: 1 GiB as float32, far above any model the studio can train. */
export const MAX_WEIGHT_VALUES = 256 * 1024 * 1024;

const BYTES_PER_DTYPE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };
const QUANTIZED = ['uint8', 'uint16', 'float16'];

const count = (shape: readonly number[]): number => shape.reduce((product, size) => product * size, 1);

/** Throws a UserError for an entry that cannot be read, or a manifest too large to allocate. */
export function checkManifest(entries: tf.io.WeightsManifestEntry[]): void {
  let total = 0;
  for (const entry of entries) {
    const name = typeof entry?.name === 'string' ? entry.name : undefined;
    if (!name) throw new UserError('An entry of the weights manifest has no name.');
    if (!Array.isArray(entry.shape) || !entry.shape.every((size) => Number.isSafeInteger(size) && size >= 0)) {
      throw new UserError(`Weight '${name}' has shape ${JSON.stringify(entry.shape)} in the manifest; a shape is a list of whole numbers ≥ 0.`);
    }
    if (!['float32', 'int32', 'bool'].includes(entry.dtype)) {
      throw new UserError(`Weight '${name}' has dtype '${String(entry.dtype)}'; the manifest's dtype must be float32, int32 or bool (quantized weights say so in their quantization field).`);
    }
    const quantization = entry.quantization;
    if (quantization) {
      if (!QUANTIZED.includes(quantization.dtype)) {
        throw new UserError(`Weight '${name}' is quantized as '${String(quantization.dtype)}'; only uint8, uint16 and float16 quantization are supported.`);
      }
      const affine = quantization.dtype !== 'float16';
      if (affine && !(Number.isFinite(quantization.scale) && Number.isFinite(quantization.min))) {
        throw new UserError(`Weight '${name}' is quantized as ${quantization.dtype} without a finite scale and min.`);
      }
    }
    total += count(entry.shape);
    if (total > MAX_WEIGHT_VALUES) {
      throw new UserError(`The weights manifest claims more than ${MAX_WEIGHT_VALUES} values (weight '${name}' has shape [${entry.shape.join(', ')}]); the engine reads at most ${MAX_WEIGHT_VALUES * 4} bytes of float32 weights. It was refused before reading.`);
    }
  }
}

export function manifestBytes(entries: tf.io.WeightsManifestEntry[]): number {
  return entries.reduce((sum, entry) => sum + count(entry.shape) * BYTES_PER_DTYPE[entry.quantization?.dtype ?? entry.dtype], 0);
}

/** Decodes the weight data of a checked manifest into named float arrays. */
export function decodeWeightData(data: tf.io.WeightData, entries: tf.io.WeightsManifestEntry[]): Record<string, WeightArray> {
  checkManifest(entries);
  const expected = manifestBytes(entries);
  const actual = Array.isArray(data) ? data.reduce((sum, buffer) => sum + buffer.byteLength, 0) : data.byteLength;
  if (actual < expected) {
    throw new UserError(`The weight files hold ${actual} bytes but model.json describes ${expected}: a weight shard is missing or truncated.`);
  }
  const buffer = Array.isArray(data) ? concatBytes(data.map((part) => new Uint8Array(part))) : data;
  const result: Record<string, WeightArray> = {};
  let offset = 0;
  for (const entry of entries) {
    const size = count(entry.shape);
    const bytes = size * BYTES_PER_DTYPE[entry.quantization?.dtype ?? entry.dtype];
    result[entry.name] = { shape: [...entry.shape], values: decodeEntry(entry, buffer.slice(offset, offset + bytes), size) };
    offset += bytes;
  }
  return result;
}

function decodeEntry(entry: tf.io.WeightsManifestEntry, bytes: ArrayBuffer, size: number): Float32Array {
  const quantization = entry.quantization;
  if (quantization?.dtype === 'float16') return Float32Array.from(new Uint16Array(bytes, 0, size), halfToFloat);
  if (quantization) {
    const codes = quantization.dtype === 'uint8' ? new Uint8Array(bytes, 0, size) : new Uint16Array(bytes, 0, size);
    return Float32Array.from(codes, (code) => code * quantization.scale! + quantization.min!);
  }
  if (entry.dtype === 'int32') return Float32Array.from(new Int32Array(bytes, 0, size));
  if (entry.dtype === 'bool') return Float32Array.from(new Uint8Array(bytes, 0, size));
  return new Float32Array(bytes, 0, size);
}

/** IEEE 754 half precision to a JS number. */
export function halfToFloat(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Throws a UserError naming the first weight with a NaN or infinite value. */
export function checkFinite(name: string, values: Float32Array): void {
  for (let index = 0; index < values.length; index++) {
    if (!Number.isFinite(values[index])) {
      throw new UserError(`Weight '${name}' holds ${values[index]} at index ${index}: the model file is damaged, or was saved after training diverged.`);
    }
  }
}

/**
 * Throws a UserError when any weight of the spec is NaN or infinite: `what` names the model (a candidate, the
 * export), and the message says training diverged and what to change. Nothing non-finite becomes a candidate or a file.
 */
export function checkSpecFinite(spec: ModelSpec, what: string): void {
  for (const layer of spec.layers) {
    for (const [key, weight] of Object.entries(layer.weights)) {
      const index = weight.values.findIndex((value) => !Number.isFinite(value));
      if (index >= 0) {
        throw new UserError(`${what} has a non-finite weight (${layer.name}/${key} is ${weight.values[index]} at index ${index}): training diverged. Train again with a smaller learning rate.`);
      }
    }
  }
}

/** `block1/conv/kernel` → the layer whose name is the longest matching prefix, and `kernel`. */
export function splitWeightName(fullName: string, layers: Map<string, LayerSpec>): { layer: LayerSpec; key: string } {
  const parts = fullName.split('/');
  for (let start = 0; start < parts.length - 1; start++) {
    const layer = layers.get(parts.slice(start, -1).join('/'));
    if (layer) return { layer, key: parts[parts.length - 1] };
  }
  throw new UserError(`The weights name '${fullName}', which belongs to no layer of the model.`);
}

/** Puts named weights (`layer/key`) into the spec's layers, checking every value is finite. */
export function attachWeights(spec: ModelSpec, named: Record<string, WeightArray>): ModelSpec {
  const byName = new Map(spec.layers.map((layer) => [layer.name, layer]));
  for (const [fullName, weight] of Object.entries(named)) {
    checkFinite(fullName, weight.values);
    const { layer, key } = splitWeightName(fullName, byName);
    if (layer.weights[key]) throw new UserError(`Weight '${key}' of layer '${layer.name}' is given twice.`);
    layer.weights[key] = weight;
  }
  return spec;
}
