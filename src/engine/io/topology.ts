/**
 * Reads a Keras / tfjs-layers model topology (the `modelTopology` of
 * model.json) into layer specs without weights, and writes specs back as a
 * functional model topology that stock `tf.loadLayersModel` accepts.
 */
import { UserError } from '../core/errors';
import type { LayerSpec, ModelSpec } from '../core/types';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses `modelTopology` (Sequential or functional, Keras 2 or 3 node layout). */
export function specFromTopology(topology: unknown): ModelSpec {
  const root = isObject(topology) && isObject(topology.model_config) ? topology.model_config : topology;
  if (!isObject(root) || typeof root.class_name !== 'string') {
    throw new UserError('The model topology has no class_name: this is not a Keras or tfjs LayersModel (model.json from tfjs converter or model.save()).');
  }
  const config = root.config;
  if (root.class_name === 'Sequential') return parseSequential(config);
  if (['Model', 'Functional'].includes(root.class_name)) return parseFunctional(config);
  throw new UserError(`The model's class is '${root.class_name}'; only Sequential and functional (Model/Functional) models are supported.`);
}

function parseLayerEntry(entry: unknown, index: number): { name: string; className: string; config: Json } {
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
    throw new UserError(`Layer #${index} of the topology has no class_name or config.`);
  }
  const name = typeof entry.config.name === 'string' ? entry.config.name : typeof entry.name === 'string' ? entry.name : undefined;
  if (!name) throw new UserError(`Layer #${index} (${entry.class_name}) has no name.`);
  return { name, className: entry.class_name, config: { ...entry.config } };
}

function parseSequential(config: unknown): ModelSpec {
  const layerList = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layerList) || layerList.length === 0) {
    throw new UserError('The Sequential model has no layers.');
  }
  const name = isObject(config) && typeof config.name === 'string' ? config.name : 'sequential';
  const parsed = layerList.map(parseLayerEntry);
  const layers: LayerSpec[] = [];
  let previous: string;
  if (parsed[0].className === 'InputLayer') {
    layers.push({ ...parsed.shift()!, inbound: [], weights: {} });
  } else {
    const batchShape = parsed[0].config.batch_input_shape ?? parsed[0].config.batch_shape;
    if (!Array.isArray(batchShape)) {
      throw new UserError("The Sequential model's first layer has no batch_input_shape: the input size is unknown.");
    }
    const inputName = `${name}_input`;
    layers.push({
      name: inputName,
      className: 'InputLayer',
      config: { batch_input_shape: batchShape, dtype: 'float32', sparse: false, name: inputName },
      inbound: [],
      weights: {},
    });
  }
  previous = layers[0].name;
  for (const layer of parsed) {
    const config = { ...layer.config };
    delete config.batch_input_shape;
    delete config.batch_shape;
    delete config.input_shape;
    layers.push({ ...layer, config, inbound: [previous], weights: {} });
    previous = layer.name;
  }
  return { name, layers, inputs: [layers[0].name], outputs: [previous] };
}

/** One inbound reference: Keras 2 `[name, node, tensor, kwargs]` or Keras 3 `keras_history`. */
function inboundNames(inboundNodes: unknown, layerName: string): string[] {
  if (!Array.isArray(inboundNodes) || inboundNodes.length === 0) return [];
  if (inboundNodes.length > 1) {
    throw new UserError(`Layer '${layerName}' is called more than once (shared layer); shared layers are not supported.`);
  }
  const node = inboundNodes[0];
  const refs: unknown[] = Array.isArray(node) ? node : isObject(node) && Array.isArray(node.args) ? flattenArgs(node.args) : [];
  return refs.map((ref) => {
    const history = Array.isArray(ref) ? ref : isObject(ref) && isObject(ref.config) ? ref.config.keras_history : undefined;
    if (!Array.isArray(history) || typeof history[0] !== 'string') {
      throw new UserError(`Layer '${layerName}' has an inbound node that cannot be read.`);
    }
    if ((history[1] ?? 0) !== 0 || (history[2] ?? 0) !== 0) {
      throw new UserError(`Layer '${layerName}' reads output ${history[2]} of node ${history[1]} of '${history[0]}'; only single-output, single-call layers are supported.`);
    }
    return history[0];
  });
}

const flattenArgs = (args: unknown[]): unknown[] =>
  args.flatMap((arg) => (Array.isArray(arg) ? arg : [arg]));

function endpointNames(list: unknown, what: string): string[] {
  if (!Array.isArray(list)) throw new UserError(`The functional model has no ${what}.`);
  // Keras writes a single endpoint either as [name, 0, 0] or as [[name, 0, 0]].
  const entries = typeof list[0] === 'string' ? [list] : list;
  return entries.map((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new UserError(`The functional model's ${what} cannot be read.`);
    return entry[0];
  });
}

function parseFunctional(config: unknown): ModelSpec {
  if (!isObject(config) || !Array.isArray(config.layers)) throw new UserError('The functional model has no layers.');
  const layers: LayerSpec[] = config.layers.map((entry, index) => {
    const layer = parseLayerEntry(entry, index);
    return { ...layer, inbound: inboundNames((entry as Json).inbound_nodes, layer.name), weights: {} };
  });
  const spec: ModelSpec = {
    name: typeof config.name === 'string' ? config.name : 'model',
    layers,
    inputs: endpointNames(config.input_layers, 'input_layers'),
    outputs: endpointNames(config.output_layers, 'output_layers'),
  };
  return { ...spec, layers: sortTopologically(spec) };
}

/** Orders layers so that every layer comes after its inputs; rejects cycles and dangling references. */
export function sortTopologically(spec: ModelSpec): LayerSpec[] {
  const byName = new Map(spec.layers.map((layer) => [layer.name, layer]));
  if (byName.size !== spec.layers.length) throw new UserError('Two layers of the model have the same name.');
  for (const name of [...spec.inputs, ...spec.outputs]) {
    if (!byName.has(name)) throw new UserError(`The model names '${name}' as an input or output, but has no layer of that name.`);
  }
  const sorted: LayerSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (layer: LayerSpec, path: string[]): void => {
    if (state.get(layer.name) === 'done') return;
    if (state.get(layer.name) === 'visiting') {
      throw new UserError(`The model's layers form a cycle (${[...path, layer.name].join(' → ')}); a model must be acyclic.`);
    }
    state.set(layer.name, 'visiting');
    for (const inbound of layer.inbound) {
      const source = byName.get(inbound);
      if (!source) throw new UserError(`Layer '${layer.name}' takes its input from '${inbound}', which is not in the model.`);
      visit(source, [...path, layer.name]);
    }
    state.set(layer.name, 'done');
    sorted.push(layer);
  };
  spec.layers.forEach((layer) => visit(layer, []));
  return sorted;
}

/** Writes the spec as a functional tfjs-layers topology (Keras 2 node layout). */
export function topologyFromSpec(spec: ModelSpec): Json {
  return {
    class_name: 'Model',
    config: {
      name: spec.name,
      layers: spec.layers.map((layer) => ({
        name: layer.name,
        class_name: layer.className,
        config: { ...layer.config, name: layer.name },
        inbound_nodes: layer.inbound.length ? [layer.inbound.map((name) => [name, 0, 0, {}])] : [],
      })),
      input_layers: spec.inputs.map((name) => [name, 0, 0]),
      output_layers: spec.outputs.map((name) => [name, 0, 0]),
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}
