/**
 * Reads a Keras / tfjs-layers model topology (the `modelTopology` of
 * model.json) into layer specs without weights, and writes specs back as a
 * functional model topology that stock `tf.loadLayersModel` accepts.
 */
import { UserError } from '../core/errors';
import { checkJsonDepth, checkLimit } from '../core/limits';
import { checkLayerConfigs } from './layerChecks';
import type { LayerSpec, ModelSpec } from '../core/types';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const MODEL_CLASSES = ['Sequential', 'Model', 'Functional'];
/** Nested models deeper than this are refused: real models nest one or two levels. */
const MAX_NESTING = 8;

/**
 * Parses `modelTopology` (Sequential or functional, Keras 2 or 3 layout).
 * Nested Sequential or functional models are flattened into the outer graph;
 * their layers keep their names, which is what the weight names refer to.
 */
export function specFromTopology(topology: unknown): ModelSpec {
  checkJsonDepth(topology, 'The model topology');
  const root = isObject(topology) && isObject(topology.model_config) ? topology.model_config : topology;
  if (!isObject(root) || typeof root.class_name !== 'string') {
    throw new UserError('The model topology has no class_name: this is not a Keras or tfjs LayersModel (model.json from tfjs converter or model.save()).');
  }
  if (!MODEL_CLASSES.includes(root.class_name)) {
    throw new UserError(`The model's class is '${root.class_name}'; only Sequential and functional (Model/Functional) models are supported.`);
  }
  const spec = parseModel(root.class_name, root.config, 0);
  checkLayerCount(spec.layers.length);
  checkLayerConfigs(spec.layers);
  return { ...spec, layers: sortTopologically(spec) };
}

/** Checked on each layer list as it is read, and on the whole once nested models are inlined. */
const checkLayerCount = (count: number): void =>
  checkLimit('layers', count, `The model's layer count (nested models included)`, 'GFR Studio prunes CNNs of up to that many layers; a longer model is refused before it is built.');

function parseModel(className: string, config: unknown, depth: number): ModelSpec {
  if (depth > MAX_NESTING) throw new UserError(`The model nests models more than ${MAX_NESTING} levels deep; it was refused.`);
  const spec = className === 'Sequential' ? parseSequential(config, depth) : parseFunctional(config, depth);
  return resolveAliases(spec);
}

interface ParsedEntry {
  name: string;
  className: string;
  config: Json;
}

function parseLayerEntry(entry: unknown, index: number): ParsedEntry {
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
    throw new UserError(`Layer #${index} of the topology has no class_name or config.`);
  }
  const name = typeof entry.config.name === 'string' ? entry.config.name : typeof entry.name === 'string' ? entry.name : undefined;
  if (!name) throw new UserError(`Layer #${index} (${entry.class_name}) has no name.`);
  return { name, className: entry.class_name, config: normalizeConfig(entry.class_name, entry.config, name) };
}

/**
 * Keras 3 writes `batch_shape`, dtype policies and LeakyReLU's `negative_slope`;
 * tfjs-layers reads `batch_input_shape`, dtype strings and `alpha`. Normalizing
 * here lets export write a topology that stock tf.loadLayersModel accepts and
 * run what the file computes. A ReLU with a negative slope or a threshold is
 * refused: tfjs-layers would run it without them.
 */
function normalizeConfig(className: string, config: Json, name: string): Json {
  const result: Json = { ...config, name };
  if (className === 'LeakyReLU' && result.alpha === undefined && result.negative_slope !== undefined) result.alpha = result.negative_slope;
  if (className === 'ReLU' && (Number(result.negative_slope ?? 0) !== 0 || Number(result.threshold ?? 0) !== 0)) {
    throw new UserError(`Layer '${name}' is a ReLU with negative_slope ${String(result.negative_slope ?? 0)} and threshold ${String(result.threshold ?? 0)}, which tfjs cannot run as written: replace it by a LeakyReLU (for a slope) in the model and save it again.`);
  }
  if (result.batch_shape !== undefined && result.batch_input_shape === undefined) result.batch_input_shape = result.batch_shape;
  delete result.batch_shape;
  if (isObject(result.dtype)) {
    const policy = isObject(result.dtype.config) ? result.dtype.config.name : undefined;
    result.dtype = typeof policy === 'string' && !policy.startsWith('mixed') ? policy : 'float32';
  }
  return result;
}

/** A nested model, parsed on its own, to be inlined where the outer graph calls it. */
interface Nested {
  spec: ModelSpec;
  /** Where the nested model's inputs come from in the outer graph. */
  inbound: string[];
}

/**
 * Replaces each nested model by its layers: the nested InputLayers become
 * aliases of the outer tensors that feed the model, and the model's own name
 * becomes an alias of its output layer.
 */
function inline(layers: LayerSpec[], nested: Map<string, Nested>, aliases: Map<string, string>): LayerSpec[] {
  return layers.flatMap((layer) => {
    const inner = nested.get(layer.name);
    if (!inner) return [layer];
    const { spec, inbound } = inner;
    if (spec.outputs.length !== 1) throw new UserError(`Nested model '${layer.name}' has ${spec.outputs.length} outputs; only single-output nested models are supported.`);
    if (inbound.length !== spec.inputs.length) {
      throw new UserError(`Nested model '${layer.name}' takes ${spec.inputs.length} input(s) but is called with ${inbound.length}.`);
    }
    spec.inputs.forEach((input, index) => {
      if (input !== inbound[index]) aliases.set(input, inbound[index]);
    });
    aliases.set(layer.name, spec.outputs[0]);
    return spec.layers.filter((inner) => !spec.inputs.includes(inner.name));
  });
}

function resolveAliases(spec: ModelSpec & { aliases?: Map<string, string> }): ModelSpec {
  const aliases = spec.aliases ?? new Map<string, string>();
  const resolve = (name: string): string => {
    for (let hops = 0; aliases.has(name); hops++) {
      if (hops > aliases.size) throw new UserError(`The nested models around '${name}' refer to each other in a cycle.`);
      name = aliases.get(name)!;
    }
    return name;
  };
  return {
    name: spec.name,
    layers: spec.layers.map((layer) => ({ ...layer, inbound: layer.inbound.map(resolve) })),
    inputs: spec.inputs.map(resolve),
    outputs: spec.outputs.map(resolve),
  };
}

function parseSequential(config: unknown, depth: number): ModelSpec & { aliases: Map<string, string> } {
  const layerList = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layerList) || layerList.length === 0) {
    throw new UserError('The Sequential model has no layers.');
  }
  checkLayerCount(layerList.length);
  const name = isObject(config) && typeof config.name === 'string' ? config.name : 'sequential';
  const parsed = layerList.map(parseLayerEntry);
  const nested = new Map<string, Nested>();
  const aliases = new Map<string, string>();
  const layers: LayerSpec[] = [];
  if (parsed[0].className === 'InputLayer') {
    layers.push({ ...parsed.shift()!, inbound: [], weights: {} });
  } else if (MODEL_CLASSES.includes(parsed[0].className)) {
    // A nested model first: its own input becomes this model's input.
    const inner = parseModel(parsed[0].className, parsed[0].config, depth + 1);
    const input = inner.layers.find((layer) => layer.name === inner.inputs[0])!;
    layers.push({ ...input, inbound: [] });
  } else {
    const batchShape = parsed[0].config.batch_input_shape;
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
  let previous = layers[0].name;
  for (const layer of parsed) {
    const config = { ...layer.config };
    delete config.batch_input_shape;
    delete config.input_shape;
    if (MODEL_CLASSES.includes(layer.className)) {
      nested.set(layer.name, { spec: parseModel(layer.className, layer.config, depth + 1), inbound: [previous] });
    }
    layers.push({ ...layer, config, inbound: [previous], weights: {} });
    previous = layer.name;
  }
  return { name, layers: inline(layers, nested, aliases), inputs: [layers[0].name], outputs: [previous], aliases };
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
    // Every layer is called once here (shared layers are refused above), so a
    // node index other than 0 only reflects how Keras numbered a nested model's calls.
    if ((history[2] ?? 0) !== 0) {
      throw new UserError(`Layer '${layerName}' reads output ${history[2]} of '${history[0]}'; only single-output layers are supported.`);
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

function parseFunctional(config: unknown, depth: number): ModelSpec & { aliases: Map<string, string> } {
  if (!isObject(config) || !Array.isArray(config.layers)) throw new UserError('The functional model has no layers.');
  checkLayerCount(config.layers.length);
  const nested = new Map<string, Nested>();
  const aliases = new Map<string, string>();
  const layers: LayerSpec[] = config.layers.map((entry, index) => {
    const layer = parseLayerEntry(entry, index);
    const inbound = inboundNames((entry as Json).inbound_nodes, layer.name);
    if (MODEL_CLASSES.includes(layer.className)) nested.set(layer.name, { spec: parseModel(layer.className, layer.config, depth + 1), inbound });
    return { ...layer, inbound, weights: {} };
  });
  return {
    name: typeof config.name === 'string' ? config.name : 'model',
    layers: inline(layers, nested, aliases),
    inputs: endpointNames(config.input_layers, 'input_layers'),
    outputs: endpointNames(config.output_layers, 'output_layers'),
    aliases,
  };
}

/** Orders layers so that every layer comes after its inputs; rejects cycles and dangling references. */
export function sortTopologically(spec: ModelSpec): LayerSpec[] {
  const byName = new Map(spec.layers.map((layer) => [layer.name, layer]));
  if (byName.size !== spec.layers.length) {
    const seen = new Set<string>();
    const twice = spec.layers.find((layer) => seen.has(layer.name) || !seen.add(layer.name))!;
    throw new UserError(`Two layers of the model are named '${twice.name}'; layer names must be unique (a nested model may repeat an outer name).`);
  }
  for (const name of [...spec.inputs, ...spec.outputs]) {
    if (!byName.has(name)) throw new UserError(`The model names '${name}' as an input or output, but has no layer of that name.`);
  }
  const sorted: LayerSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  // Depth-first with an explicit stack (a chain of thousands of layers would overflow the call stack):
  // each frame is a layer and the index of the next inbound to visit; the stack is the path, for cycles.
  for (const start of spec.layers) {
    if (state.has(start.name)) continue;
    const stack: { layer: LayerSpec; next: number }[] = [{ layer: start, next: 0 }];
    state.set(start.name, 'visiting');
    while (stack.length) {
      const frame = stack[stack.length - 1];
      if (frame.next === frame.layer.inbound.length) {
        state.set(frame.layer.name, 'done');
        sorted.push(frame.layer);
        stack.pop();
        continue;
      }
      const inbound = frame.layer.inbound[frame.next++];
      const source = byName.get(inbound);
      if (!source) throw new UserError(`Layer '${frame.layer.name}' takes its input from '${inbound}', which is not in the model.`);
      const seen = state.get(inbound);
      if (seen === 'done') continue;
      if (seen === 'visiting') {
        const path = stack.map((entry) => entry.layer.name);
        throw new UserError(`The model's layers form a cycle (${[...path.slice(path.indexOf(inbound)), inbound].join(' → ')}); a model must be acyclic.`);
      }
      state.set(inbound, 'visiting');
      stack.push({ layer: source, next: 0 });
    }
  }
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
