/**
 * Routes a model's BatchNormalization layers through batchNormTraining while
 * the engine trains it: each layer gets its own `call` (shadowing the
 * class's) that takes the fused op in training with channels last and
 * tfjs-layers' own path otherwise (inference, another axis); the returned
 * function removes them. Same semantics as tfjs-layers' training branch:
 * the batch's biased variance normalizes and feeds the moving variance, and
 * moving = moving − (moving − batch)·(1 − momentum).
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from './batchNormTraining';
import { trainingFusionConfig } from './trainingFusionConfig';

type Layer = tf.layers.Layer;
type LayerVariable = Layer['weights'][number];
type Call = Layer['call'];

interface BatchNormConfig {
  /** A number in tfjs-layers; a one-element list in some imported Keras configs. */
  axis: number | number[];
  momentum: number;
  epsilon: number;
}

function weightNamed(layer: Layer, name: string): LayerVariable | undefined {
  return layer.weights.find((weight) => weight.originalName.endsWith(`/${name}`));
}

function movingAverage(variable: LayerVariable, value: tf.Tensor, momentum: number): void {
  const current = variable.read();
  variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - momentum)));
}

function fusedCall(layer: Layer, original: Call): Call {
  const config = layer.getConfig() as unknown as BatchNormConfig;
  const axis = Array.isArray(config.axis) ? (config.axis.length === 1 ? config.axis[0] : NaN) : config.axis;
  return (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const channelsLast = axis === -1 || axis === x.rank - 1;
    const movingMean = weightNamed(layer, 'moving_mean');
    const movingVariance = weightNamed(layer, 'moving_variance');
    const fits = Boolean(kwargs.training) && channelsLast && x.dtype === 'float32' && movingMean && movingVariance
      && !(Array.isArray(inputs) && inputs.length !== 1);
    if (!fits || !trainingFusionConfig.fused.batchNormOp) return original(inputs, kwargs);
    return tf.tidy(() => batchNormTraining(x, {
      gamma: weightNamed(layer, 'gamma')?.read(),
      beta: weightNamed(layer, 'beta')?.read(),
      epsilon: config.epsilon,
      onStatistics(mean, variance) {
        movingAverage(movingMean, mean, config.momentum);
        movingAverage(movingVariance, variance, config.momentum);
      },
    }));
  };
}

function batchNormLayers(layers: Layer[]): Layer[] {
  return layers.flatMap((layer) => {
    const nested = (layer as Partial<tf.LayersModel>).layers;
    if (nested) return batchNormLayers(nested);
    return layer.getClassName() === 'BatchNormalization' ? [layer] : [];
  });
}

/**
 * Installs the fused training op on every BatchNormalization of `model`
 * (nested models included); returns the function that removes it. With
 * trainingFusionConfig.fused.batchNormOp off at call time, a layer takes
 * tfjs-layers' path.
 */
export function fuseBatchNormTraining(model: tf.LayersModel): () => void {
  const layers = batchNormLayers(model.layers);
  const own = layers.map((layer) => Object.getOwnPropertyDescriptor(layer, 'call'));
  for (const layer of layers) layer.call = fusedCall(layer, layer.call.bind(layer));
  return () => layers.forEach((layer, i) => {
    if (own[i]) Object.defineProperty(layer, 'call', own[i]);
    else delete (layer as Partial<Layer>).call;
  });
}
