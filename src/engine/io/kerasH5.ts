/**
 * Legacy Keras `.h5` files (Keras 2 `model.save('model.h5')`): the topology
 * as a JSON `model_config` attribute, the weights under `model_weights`, one
 * group per name in its `layer_names` attribute, each listing `weight_names`.
 */
import { UserError } from '../core/errors';
import type { LayerSpec, ModelSpec } from '../core/types';
import { isGroup, readFloatDataset, readHdf5, stringAttribute, stringListAttribute, type Group, type H5File } from './hdf5';
import { tfjsWeightKey } from './kerasNames';
import { specFromTopology } from './topology';
import { checkFinite, MAX_WEIGHT_VALUES, splitWeightName } from './weightData';

export async function specFromKerasH5(bytes: Uint8Array, name: string): Promise<ModelSpec> {
  return readHdf5(bytes, name, (file) => {
    const spec = specFromTopology(modelConfig(file, name));
    readWeights(file, spec, name);
    return spec;
  });
}

function modelConfig(file: H5File, name: string): unknown {
  const text = stringAttribute(file, 'model_config');
  if (text === undefined) {
    const weightsOnly = stringListAttribute(file, 'layer_names') !== undefined;
    throw new UserError(weightsOnly
      ? `${name} holds weights only (saved with save_weights), no model: save the whole model with model.save('model.h5') or as .keras.`
      : `${name} is an HDF5 file but not a Keras model: it has no model_config attribute.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`The model_config of ${name} is not valid JSON (${(error as Error).message}).`);
  }
}

function readWeights(file: H5File, spec: ModelSpec, name: string): void {
  const root = file.get('model_weights');
  if (!isGroup(root)) throw new UserError(`${name} has a model_config but no model_weights group: it was saved without weights.`);
  const layerNames = stringListAttribute(root, 'layer_names');
  if (!layerNames) throw new UserError(`The model_weights group of ${name} has no layer_names attribute; it is not a Keras weights layout.`);
  const byName = new Map(spec.layers.map((layer) => [layer.name, layer]));
  let budget = MAX_WEIGHT_VALUES;
  for (const layerName of layerNames) {
    const group = root.get(layerName);
    if (!isGroup(group)) throw new UserError(`${name} lists layer '${layerName}' in layer_names but has no weights group for it.`);
    for (const weightName of stringListAttribute(group, 'weight_names') ?? []) {
      const weight = readFloatDataset(datasetAt(group, weightName, `${layerName}/${weightName}`, name), `'${layerName}/${weightName}'`, budget);
      budget -= weight.values.length;
      const { layer, key } = ownerOf(layerName, weightName.replace(/:\d+$/, ''), byName);
      checkFinite(`${layer.name}/${key}`, weight.values);
      layer.weights[key] = weight;
    }
  }
}

function datasetAt(group: Group, path: string, what: string, name: string) {
  const dataset = group.get(path);
  if (!dataset || isGroup(dataset) || !('shape' in dataset)) throw new UserError(`${name} names weight '${what}' but holds no data for it.`);
  return dataset;
}

/** A top-level layer owns its weights; a nested model's group names its inner layers in the weight path. */
function ownerOf(groupName: string, weightPath: string, byName: Map<string, LayerSpec>): { layer: LayerSpec; key: string } {
  const direct = byName.get(groupName);
  const found = direct ? { layer: direct, key: weightPath.split('/').pop()! } : splitWeightName(weightPath, byName);
  return { layer: found.layer, key: tfjsWeightKey(found.layer.className, found.key) };
}
