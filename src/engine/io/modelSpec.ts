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
import { attachWeights, decodeWeightData } from './weightData';
// The hard activations of mobile networks, which tfjs-layers lacks: every model built from a spec may use them.
import './hardActivations';

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
  return attachWeights(spec, decodeWeightData(artifacts.weightData, specs));
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
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifactsFromSpec(spec)));
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    // tfjs's own words for configs it cannot build: the user's model, not an engine fault.
    if (/Unknown (layer|activation|initializer|regularizer|constraint)|Improper config|is not a valid|Unsupported/i.test(message)) {
      throw new UserError(`tfjs cannot build model '${spec.name}': ${message}`);
    }
    throw error;
  }
}

/**
 * Reads a live model (topology and current weight values) into a spec. Reads
 * are asynchronous: on WebGPU one synchronous read breaks all later ones.
 */
export async function specFromModel(model: tf.LayersModel): Promise<ModelSpec> {
  const spec = specFromTopology(model.toJSON(null, false));
  const byName = new Map(spec.layers.map((layer) => [layer.name, layer]));
  for (const layer of model.layers) {
    const target = byName.get(layer.name);
    if (!target) continue;
    const values = layer.getWeights();
    const data = await Promise.all(values.map((value) => value.data()));
    layer.weights.forEach((variable, index) => {
      const key = variable.originalName.split('/').pop()!;
      target.weights[key] = { shape: [...values[index].shape], values: Float32Array.from(data[index] as ArrayLike<number>) };
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
