/**
 * Keras 3 `.keras` files: a zip of config.json (the serialized model),
 * metadata.json and model.weights.h5, where the variables of the n-th layer
 * of each class sit under `layers/<class_in_snake_case>[_n]/vars/<i>`, and a
 * nested model's layers under its own `layers/...` group.
 */
import { UserError } from '../core/errors';
import type { ModelSpec } from '../core/types';
import { unzipSafely } from '../core/zip';
import { isGroup, readFloatDataset, readHdf5, type Group } from './hdf5';
import { kerasSnakeCase, kerasVariableOrder } from './kerasNames';
import { specFromTopology } from './topology';
import { checkFinite, MAX_WEIGHT_VALUES } from './weightData';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const MODEL_CLASSES = ['Sequential', 'Functional', 'Model'];

export async function specFromKerasArchive(bytes: Uint8Array, name: string): Promise<ModelSpec> {
  const entries = new Map(unzipSafely(bytes, name).map((entry) => [entry.name, entry.bytes]));
  const configBytes = entries.get('config.json');
  if (!configBytes) throw new UserError(`${name} has no config.json: it is not a Keras 3 .keras file.`);
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(configBytes));
  } catch (error) {
    throw new UserError(`config.json in ${name} is not valid JSON (${(error as Error).message}).`);
  }
  const spec = specFromTopology(config);
  const weights = entries.get('model.weights.h5');
  if (!weights) {
    throw new UserError(entries.has('model.weights.npz')
      ? `${name} stores its weights as .npz; save it with the default h5 weights format.`
      : `${name} has no model.weights.h5: the model was saved without weights.`);
  }
  await readHdf5(weights, `model.weights.h5 in ${name}`, (file) => {
    const budget = { left: MAX_WEIGHT_VALUES };
    readContainer((config as Json).config, file, spec, name, budget);
  });
  return spec;
}

/** Walks a model's layer list the way Keras saved it, in config order, numbering layers per class. */
function readContainer(config: unknown, group: Group, spec: ModelSpec, name: string, budget: { left: number }): void {
  const layers = isObject(config) && Array.isArray(config.layers) ? config.layers : [];
  const byName = new Map(spec.layers.map((layer) => [layer.name, layer]));
  const used = new Map<string, number>();
  for (const entry of layers) {
    if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) continue;
    const base = kerasSnakeCase(entry.class_name);
    const seen = used.get(base);
    used.set(base, seen === undefined ? 0 : seen + 1);
    const path = `layers/${seen === undefined ? base : `${base}_${seen + 1}`}`;
    const child = group.get(path);
    if (MODEL_CLASSES.includes(entry.class_name)) {
      if (isGroup(child)) readContainer(entry.config, child, spec, name, budget);
      continue;
    }
    const layer = byName.get(String(entry.config.name ?? entry.name));
    const vars = isGroup(child) ? child.get('vars') : null;
    const count = isGroup(vars) ? vars.keys().length : 0;
    if (!layer || count === 0) continue;
    const order = kerasVariableOrder(layer) ?? Array.from({ length: count }, (_, index) => `var_${index}`);
    if (order.length !== count) {
      throw new UserError(`Layer '${layer.name}' (${layer.className}) has ${count} variables in ${name} but its config implies ${order.length} (${order.join(', ')}).`);
    }
    order.forEach((key, index) => {
      const dataset = (vars as Group).get(String(index));
      if (!dataset || isGroup(dataset)) throw new UserError(`${name} has no variable ${index} for layer '${layer.name}'.`);
      const weight = readFloatDataset(dataset as Parameters<typeof readFloatDataset>[0], `'${layer.name}/${key}'`, budget.left);
      budget.left -= weight.values.length;
      checkFinite(`${layer.name}/${key}`, weight.values);
      layer.weights[key] = weight;
    });
  }
}
