/** Refuses a layer whose weights disagree with its config and input: such a model file cannot be built. */
import { UserError } from '../core/errors';
import type { LayerSpec, Shape } from '../core/types';
import type { LayerHandler } from './handlers';

const show = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

export function checkLayerWeights(layer: LayerSpec, handler: LayerHandler, inputs: Shape[]): void {
  if (!handler.weightShapes) return;
  const expected = handler.weightShapes(layer, inputs);
  for (const [key, shape] of Object.entries(expected)) {
    const weight = layer.weights[key];
    if (!weight) {
      throw new UserError(`Layer '${layer.name}' (${layer.className}) has no '${key}' weight, which its config needs: the weight files are missing or belong to another model.`);
    }
    if (weight.shape.length !== shape.length || weight.shape.some((size, index) => size !== shape[index])) {
      throw new UserError(`Layer '${layer.name}' (${layer.className}) has a '${key}' weight of shape ${show(weight.shape)}, but its config and its input (${show(inputs[0] ?? [])}) need ${show(shape)}: the weights do not match the topology.`);
    }
    if (weight.values.length !== weight.shape.reduce((product, size) => product * size, 1)) {
      throw new UserError(`Layer '${layer.name}' weight '${key}' holds ${weight.values.length} values for shape ${show(weight.shape)}.`);
    }
  }
  const extra = Object.keys(layer.weights).filter((key) => !(key in expected));
  if (extra.length) {
    throw new UserError(`Layer '${layer.name}' (${layer.className}) has weights its config does not use (${extra.join(', ')}): the weights do not match the topology.`);
  }
}
