/**
 * Checks on layer configs that a user's file controls and that drive allocations or code: made as the topology
 * is read, before any layer is built. Input sizes within the limits, GFR settings within what the method uses,
 * and no Lambda layers (they hold Python code, which neither tfjs nor the engine can run).
 */
import { UserError } from '../core/errors';
import { LIMITS } from '../core/limits';
import type { LayerSpec } from '../core/types';

/** GFR's reduction r sets the hidden width ceil(C / r): below 1 it multiplies the channels. */
export const GFR_REDUCTION_RANGE = [1, 1024] as const;
export const GFR_TEMPERATURE_RANGE = [1e-3, 1e3] as const;

export function checkLayerConfigs(layers: LayerSpec[]): void {
  for (const layer of layers) {
    if (layer.className === 'Lambda') {
      throw new UserError(`Layer '${layer.name}' is a Lambda layer: it holds Python code, which tfjs cannot run. Replace it with standard layers (or remove it) before saving the model.`);
    }
    if (layer.className === 'GFR') checkGfrConfig(layer);
    if (layer.className === 'InputLayer') checkInputShape(layer);
  }
}

function checkGfrConfig(layer: LayerSpec): void {
  const within = (key: string, [low, high]: readonly [number, number]): void => {
    const value = layer.config[key];
    if (value === undefined) return;
    if (typeof value !== 'number' || !(value >= low && value <= high)) {
      throw new UserError(`GFR layer '${layer.name}' has ${key} ${JSON.stringify(value)}; it must be a number from ${low} to ${high}. The file was changed or damaged: export the model from GFR Studio again.`);
    }
  };
  within('reduction', GFR_REDUCTION_RANGE);
  within('temperature', GFR_TEMPERATURE_RANGE);
}

/** The input's height and width (and their product with the channels) bound the resize of every image. */
function checkInputShape(layer: LayerSpec): void {
  const shape = layer.config.batch_input_shape;
  if (!Array.isArray(shape)) return;
  const sizes = shape.slice(1).filter((size): size is number => typeof size === 'number');
  const values = sizes.reduce((product, size) => product * size, 1);
  if (sizes.slice(0, -1).some((side) => side > LIMITS.inputSide) || values > LIMITS.inputValues) {
    throw new UserError(
      `Input '${layer.name}' is ${sizes.join('×')}; the limit is ${LIMITS.inputSide} pixels a side and ${LIMITS.inputValues.toLocaleString('en-US')} values an image. ` +
        'Use a model with a smaller input (GFR Studio resizes every image to it).',
    );
  }
}
