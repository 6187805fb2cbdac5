/**
 * Conversions between a ModelSpec (plain data) and tfjs: model artifacts
 * (model.json + weight bytes) and live LayersModels. Every engine step that
 * changes a model's structure (GFR insertion and folding, pruning) works on
 * specs; tfjs models are built from them only to train and evaluate.
 */
import * as tf from '@tensorflow/tfjs';
import { concatBytes } from '../core/bytes';
import { UserError } from '../core/errors';
import type { LayerSpec, ModelSpec, WeightArray } from '../core/types';
import { specFromTopology, topologyFromSpec } from './topology';

export type { ModelSpec };

/** Deep copy: specs are values; engine steps never mutate their input. */
export function cloneSpec(spec: ModelSpec): ModelSpec {
  return {
    ...spec,
    inputs: [...spec.inputs],
    outputs: [...spec.outputs],
    layers: spec.layers.map(cloneLayer),
  };
}

export function cloneLayer(layer: LayerSpec): LayerSpec {
  const weights: Record<string, WeightArray> = {};
  for (const [key, weight] of Object.entries(layer.weights)) {
    weights[key] = { shape: [...weight.shape], values: weight.values.slice() };
  }
  return { ...layer, config: structuredClone(layer.config), inbound: [...layer.inbound], weights };
}

export function layerByName(spec: ModelSpec, name: string): LayerSpec {
  const layer = spec.layers.find((candidate) => candidate.name === name);
  if (!layer) throw new Error(`No layer named '${name}' in model '${spec.name}'.`);
  return layer;
}

/** Layers that read the output of `name`, in model order. */
export function consumersOf(spec: ModelSpec, name: string): LayerSpec[] {
  return spec.layers.filter((layer) => layer.inbound.includes(name));
}

/** Reads model artifacts (as loaded from model.json and its shards) into a spec. */
export function specFromArtifacts(artifacts: tf.io.ModelArtifacts): ModelSpec {
  const spec = specFromTopology(artifacts.modelTopology);
  const specs = artifacts.weightSpecs ?? [];
  if (specs.length === 0) return spec;
  if (!artifacts.weightData) throw new UserError('The model lists weights but no weight data was loaded: add its .bin weight files.');
  const named = decodeWeights(artifacts.weightData, specs);
  const byName = new Map(spec.layers.map((layer) => [layer.name, layer]));
  for (const [fullName, weight] of Object.entries(named)) {
    const { layer, key } = splitWeightName(fullName, byName);
    layer.weights[key] = weight;
  }
  return spec;
}

function decodeWeights(data: tf.io.WeightData, specs: tf.io.WeightsManifestEntry[]): Record<string, WeightArray> {
  const expected = specs.reduce((sum, entry) => sum + entryBytes(entry), 0);
  const actual = Array.isArray(data) ? data.reduce((sum, buffer) => sum + buffer.byteLength, 0) : data.byteLength;
  if (actual < expected) {
    throw new UserError(`The weight files hold ${actual} bytes but model.json describes ${expected}: a weight shard is missing or truncated.`);
  }
  const tensors = tf.io.decodeWeights(data, specs);
  const result: Record<string, WeightArray> = {};
  for (const [name, tensor] of Object.entries(tensors)) {
    result[name] = { shape: [...tensor.shape], values: Float32Array.from(tensor.dataSync() as ArrayLike<number>) };
    tensor.dispose();
  }
  return result;
}

const BYTES_PER_DTYPE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function entryBytes(entry: tf.io.WeightsManifestEntry): number {
  const count = entry.shape.reduce((product, size) => product * size, 1);
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  return count * (BYTES_PER_DTYPE[dtype] ?? 4);
}

/** `block1/conv/kernel` → the layer whose name is the longest matching prefix, and `kernel`. */
function splitWeightName(fullName: string, layers: Map<string, LayerSpec>): { layer: LayerSpec; key: string } {
  const parts = fullName.split('/');
  for (let start = 0; start < parts.length - 1; start++) {
    const layer = layers.get(parts.slice(start, -1).join('/'));
    if (layer) return { layer, key: parts[parts.length - 1] };
  }
  throw new UserError(`The weights manifest names '${fullName}', which belongs to no layer of the model.`);
}

/** Writes a spec as model artifacts: topology plus one float32 weight buffer. */
export function artifactsFromSpec(spec: ModelSpec): tf.io.ModelArtifacts {
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Float32Array[] = [];
  for (const layer of spec.layers) {
    for (const [key, weight] of Object.entries(layer.weights)) {
      weightSpecs.push({ name: `${layer.name}/${key}`, shape: [...weight.shape], dtype: 'float32' });
      chunks.push(weight.values);
    }
  }
  return {
    modelTopology: topologyFromSpec(spec),
    weightSpecs,
    weightData: concatBytes(chunks),
    format: 'layers-model',
    generatedBy: 'GFR Studio',
    convertedBy: null,
  };
}

/** Builds a live tfjs model from a spec (custom layers such as GFR must be registered). */
export async function modelFromSpec(spec: ModelSpec): Promise<tf.LayersModel> {
  return tf.loadLayersModel(tf.io.fromMemory(artifactsFromSpec(spec)));
}

/** Reads a live model (topology and current weight values) into a spec. */
export function specFromModel(model: tf.LayersModel): ModelSpec {
  const spec = specFromTopology(model.toJSON(null, false));
  const byName = new Map(spec.layers.map((layer) => [layer.name, layer]));
  for (const layer of model.layers) {
    const target = byName.get(layer.name);
    if (!target) continue;
    const values = layer.getWeights();
    layer.weights.forEach((variable, index) => {
      const key = variable.originalName.split('/').pop()!;
      const value = values[index];
      target.weights[key] = { shape: [...value.shape], values: Float32Array.from(value.dataSync() as ArrayLike<number>) };
    });
  }
  return spec;
}

/** Total number of weight values (trainable or not). */
export function countSpecParams(spec: ModelSpec): number {
  return spec.layers.reduce(
    (sum, layer) => sum + Object.values(layer.weights).reduce((s, weight) => s + weight.values.length, 0),
    0,
  );
}
