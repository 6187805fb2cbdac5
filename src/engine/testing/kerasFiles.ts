/**
 * Writes Keras files the way Keras itself lays them out, from a spec built
 * with tfjs: a Keras 3 config (functional, `__keras_tensor__` inbound nodes,
 * `batch_shape`, dtype policies), a `.keras` zip and a legacy Keras 2 `.h5`.
 */
import { zipSync } from 'fflate';
import h5wasm from 'h5wasm';
import type { LayerSpec, ModelSpec } from '../core/types';
import { kerasSnakeCase, kerasVariableOrder } from '../io/kerasNames';
import { topologyFromSpec } from '../io/topology';

type Json = Record<string, unknown>;

const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

function kerasTensor(source: string): Json {
  return { class_name: '__keras_tensor__', config: { shape: null, dtype: 'float32', keras_history: [source, 0, 0] } };
}

function kerasLayer(layer: LayerSpec): Json {
  const config: Json = { ...layer.config, name: layer.name, dtype: policy, trainable: layer.config.trainable ?? true };
  if (layer.className === 'InputLayer') {
    config.batch_shape = config.batch_input_shape;
    delete config.batch_input_shape;
    config.dtype = 'float32';
  }
  for (const [key, value] of Object.entries(config)) {
    // Keras 3 wraps initializers with their module and registered name.
    if (key.endsWith('_initializer') && value && typeof value === 'object') config[key] = { module: 'keras.initializers', ...(value as Json), registered_name: null };
  }
  const args = layer.inbound.length > 1 ? [layer.inbound.map(kerasTensor)] : layer.inbound.map(kerasTensor);
  return {
    module: 'keras.layers',
    class_name: layer.className,
    config,
    registered_name: null,
    name: layer.name,
    inbound_nodes: layer.inbound.length ? [{ args, kwargs: {} }] : [],
  };
}

/** A Keras 3 functional model config, as in the config.json of a .keras file. */
export function keras3Config(spec: ModelSpec): Json {
  return {
    module: 'keras',
    class_name: 'Functional',
    config: {
      name: spec.name,
      trainable: true,
      layers: spec.layers.map(kerasLayer),
      input_layers: spec.inputs.length === 1 ? [spec.inputs[0], 0, 0] : spec.inputs.map((name) => [name, 0, 0]),
      output_layers: spec.outputs.length === 1 ? [spec.outputs[0], 0, 0] : spec.outputs.map((name) => [name, 0, 0]),
    },
    registered_name: 'Functional',
    build_config: { input_shape: null },
    compile_config: null,
  };
}

let nextFile = 0;

async function writeHdf5(fill: (file: InstanceType<typeof h5wasm.File>) => void): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const path = `/write-${nextFile++}.h5`;
  const file = new h5wasm.File(path, 'w');
  fill(file);
  file.close();
  const bytes = FS!.readFile(path);
  FS!.unlink(path);
  return bytes;
}

/** A Keras 3 `.keras` archive: config.json, metadata.json, model.weights.h5 (`layers/<class>[_n]/vars/<i>`). */
export async function kerasArchive(spec: ModelSpec, config: Json = keras3Config(spec)): Promise<Uint8Array> {
  const weights = await writeHdf5((file) => {
    const used = new Map<string, number>();
    const layers = file.create_group('layers');
    for (const layer of spec.layers) {
      const base = kerasSnakeCase(layer.className);
      const seen = used.get(base);
      used.set(base, seen === undefined ? 0 : seen + 1);
      const group = layers.create_group(seen === undefined ? base : `${base}_${seen + 1}`);
      const vars = group.create_group('vars');
      (kerasVariableOrder(layer) ?? []).forEach((key, index) => {
        const weight = layer.weights[key];
        vars.create_dataset({ name: String(index), data: weight.values, shape: weight.shape, dtype: '<f4' });
      });
    }
  });
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  return zipSync({ 'metadata.json': text({ keras_version: '3.6.0', date_saved: '2025-01-01@00:00:00' }), 'config.json': text(config), 'model.weights.h5': weights });
}

/** A legacy Keras 2 `.h5`: model_config attribute, model_weights/<layer>/<layer>/<weight>:0. */
export async function kerasH5(spec: ModelSpec): Promise<Uint8Array> {
  const topology = topologyFromSpec(spec);
  return writeHdf5((file) => {
    file.create_attribute('keras_version', '2.15.0');
    file.create_attribute('backend', 'tensorflow');
    file.create_attribute('model_config', JSON.stringify({ ...topology, class_name: 'Functional' }));
    const root = file.create_group('model_weights');
    root.create_attribute('layer_names', spec.layers.map((layer) => layer.name));
    for (const layer of spec.layers) {
      const group = root.create_group(layer.name);
      const keys = Object.keys(layer.weights);
      group.create_attribute('weight_names', keys.map((key) => `${layer.name}/${key}:0`));
      if (keys.length) {
        const inner = group.create_group(layer.name);
        for (const key of keys) inner.create_dataset({ name: `${key}:0`, data: layer.weights[key].values, shape: layer.weights[key].shape, dtype: '<f4' });
      }
    }
  });
}

/** An HDF5 file that holds data but no Keras model. */
export async function plainHdf5(): Promise<Uint8Array> {
  return writeHdf5((file) => {
    file.create_dataset({ name: 'measurements', data: new Float32Array([1, 2, 3]), shape: [3] });
  });
}
