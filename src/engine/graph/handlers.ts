/**
 * One handler per layer type (Torch-Pruning style): how the layer's output
 * shape follows from its inputs, how its channels relate to its inputs'
 * channels, what it costs, and how to cut it down to kept channels.
 * Supporting a new layer type is a handler here plus a test.
 */
import type { ChannelRole } from '../../contract/analysis';
import type { LayerSpec, Shape, WeightArray } from '../core/types';
import { takeAlongAxis } from '../core/weightArrays';
import { convWindow, poolWindow, reluSettings, zeroPaddingSides, type Window } from './layerConfig';


export interface LayerHandler {
  role: ChannelRole;
  outputShape(layer: LayerSpec, inputs: Shape[]): Shape;
  /** Multiply–accumulate operations for one sample (0 for cheap elementwise layers). */
  macs(layer: LayerSpec, inputs: Shape[], output: Shape): number;
  /** A copy of the layer cut to the kept channels of each input and of its output. */
  prune(layer: LayerSpec, keptIn: number[][], keptOut: number[]): LayerSpec;
  /**
   * For `pass` layers: the output of a channel whose input is the constant
   * `value`. Used to compensate removed channels. Undefined = not constant.
   */
  constant?(layer: LayerSpec, value: number): number | undefined;
  /** The weights the layer must hold, by name, with their shapes given its inputs. */
  weightShapes?(layer: LayerSpec, inputs: Shape[]): Record<string, Shape>;
}

function windowOutput(size: number, kernel: number, stride: number, dilation: number, padding: unknown): number {
  if (padding === 'same') return Math.ceil(size / stride);
  return Math.floor((size - (kernel - 1) * dilation - 1) / stride) + 1;
}

function spatialOutput(layer: LayerSpec, input: Shape, { size, strides, dilation }: Window): [number, number] {
  return [
    windowOutput(input[0], size[0], strides[0], dilation[0], layer.config.padding),
    windowOutput(input[1], size[1], strides[1], dilation[1], layer.config.padding),
  ];
}

const biasShape = (layer: LayerSpec, size: number): Record<string, Shape> => (layer.config.use_bias === false ? {} : { bias: [size] });

/** Copies the layer with some weights replaced (others sliced by `slice`). */
function withWeights(layer: LayerSpec, weights: Record<string, WeightArray>, config: Record<string, unknown> = {}): LayerSpec {
  return { ...layer, config: { ...layer.config, ...config }, inbound: [...layer.inbound], weights };
}

/** Slices every weight of a per-channel layer (BN, GFR vectors) along `axisOf(key)`. */
function sliceEach(layer: LayerSpec, keep: number[], axisOf: (key: string) => number): Record<string, WeightArray> {
  const weights: Record<string, WeightArray> = {};
  for (const [key, weight] of Object.entries(layer.weights)) weights[key] = takeAlongAxis(weight, axisOf(key), keep);
  return weights;
}

const identity = (layer: LayerSpec): LayerSpec => withWeights(layer, { ...layer.weights });

const elementwise = (constant?: LayerHandler['constant']): LayerHandler => ({
  role: 'pass',
  outputShape: (_layer, inputs) => [...inputs[0]],
  macs: () => 0,
  prune: identity,
  constant: constant ?? ((_layer, value) => value),
});

const ACTIVATIONS: Record<string, (x: number, layer: LayerSpec) => number> = {
  linear: (x) => x,
  relu: (x) => Math.max(0, x),
  relu6: (x) => Math.min(6, Math.max(0, x)),
  elu: (x) => (x >= 0 ? x : Math.exp(x) - 1),
  selu: (x) => 1.0507009873554805 * (x >= 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1)),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  hard_sigmoid: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
  hard_swish: (x) => (x * Math.min(6, Math.max(0, x + 3))) / 6,
  tanh: (x) => Math.tanh(x),
  swish: (x) => x / (1 + Math.exp(-x)),
  silu: (x) => x / (1 + Math.exp(-x)),
  softplus: (x) => Math.log1p(Math.exp(x)),
  softsign: (x) => x / (1 + Math.abs(x)),
};

export function applyActivation(name: unknown, value: number, layer: LayerSpec): number | undefined {
  const fn = ACTIVATIONS[String(name ?? 'linear')];
  return fn ? fn(value, layer) : undefined;
}

const conv2d: LayerHandler = {
  role: 'source',
  outputShape: (layer, [input]) => [...spatialOutput(layer, input, convWindow(layer.config)), Number(layer.config.filters)],
  macs: (layer, [input], output) => {
    const [kh, kw] = convWindow(layer.config).size;
    return output[0] * output[1] * output[2] * kh * kw * input[2];
  },
  prune: (layer, [keptIn], keptOut) => {
    const kernel = takeAlongAxis(takeAlongAxis(layer.weights.kernel, 2, keptIn), 3, keptOut);
    const weights: Record<string, WeightArray> = { kernel };
    if (layer.weights.bias) weights.bias = takeAlongAxis(layer.weights.bias, 0, keptOut);
    return withWeights(layer, weights, { filters: keptOut.length });
  },
  weightShapes: (layer, [input]) => {
    const filters = Number(layer.config.filters);
    return { kernel: [...convWindow(layer.config).size, input[input.length - 1], filters], ...biasShape(layer, filters) };
  },
};

const depthwiseConv2d: LayerHandler = {
  role: 'depthwise',
  outputShape: (layer, [input]) => [
    ...spatialOutput(layer, input, convWindow(layer.config)),
    input[2] * Number(layer.config.depth_multiplier ?? 1),
  ],
  macs: (layer, _inputs, output) => {
    const [kh, kw] = convWindow(layer.config).size;
    return output[0] * output[1] * output[2] * kh * kw;
  },
  prune: (layer, [keptIn]) => {
    const weights: Record<string, WeightArray> = { depthwise_kernel: takeAlongAxis(layer.weights.depthwise_kernel, 2, keptIn) };
    if (layer.weights.bias) weights.bias = takeAlongAxis(layer.weights.bias, 0, keptIn);
    return withWeights(layer, weights);
  },
  weightShapes: (layer, [input]) => {
    const channels = input[input.length - 1];
    const multiplier = Number(layer.config.depth_multiplier ?? 1);
    return { depthwise_kernel: [...convWindow(layer.config).size, channels, multiplier], ...biasShape(layer, channels * multiplier) };
  },
};

const dense: LayerHandler = {
  role: 'source',
  outputShape: (layer, [input]) => [...input.slice(0, -1), Number(layer.config.units)],
  macs: (layer, [input]) => input.reduce((p, s) => p * s, 1) * Number(layer.config.units),
  prune: (layer, [keptIn], keptOut) => {
    const kernel = takeAlongAxis(takeAlongAxis(layer.weights.kernel, 0, keptIn), 1, keptOut);
    const weights: Record<string, WeightArray> = { kernel };
    if (layer.weights.bias) weights.bias = takeAlongAxis(layer.weights.bias, 0, keptOut);
    return withWeights(layer, weights, { units: keptOut.length });
  },
  weightShapes: (layer, [input]) => {
    const units = Number(layer.config.units);
    return { kernel: [input[input.length - 1], units], ...biasShape(layer, units) };
  },
};

// Compensation reads a removed channel's constant at the BN output (β), so no
// constant passes through a BN from its input.
const batchNormalization: LayerHandler = {
  ...elementwise(() => undefined),
  prune: (layer, [keptIn]) => withWeights(layer, sliceEach(layer, keptIn, () => 0)),
  weightShapes: (layer, [input]) => {
    const channels = [input[input.length - 1]];
    const shapes: Record<string, Shape> = { moving_mean: channels, moving_variance: channels };
    if (layer.config.scale !== false) shapes.gamma = channels;
    if (layer.config.center !== false) shapes.beta = channels;
    return shapes;
  },
};

/** GFR layers: vectors and the excitation kernels indexed by channel. */
const GFR_CHANNEL_AXIS: Record<string, number> = { kernel1: 0, bias1: -1, kernel2: 1, bias2: 0, sr: 0 };
const gfr: LayerHandler = {
  ...elementwise(() => undefined),
  prune: (layer, [keptIn]) => {
    const weights: Record<string, WeightArray> = {};
    for (const [key, weight] of Object.entries(layer.weights)) {
      weights[key] = GFR_CHANNEL_AXIS[key] === -1 ? { shape: [...weight.shape], values: weight.values.slice() } : takeAlongAxis(weight, GFR_CHANNEL_AXIS[key], keptIn);
    }
    return withWeights(layer, weights);
  },
};

const activation = elementwise((layer, value) => applyActivation(layer.config.activation, value, layer));

const relu = elementwise((layer, value) => {
  const { max, slope, threshold } = reluSettings(layer.config);
  return Math.min(max ?? Infinity, value >= threshold ? value : slope * (value - threshold));
});

const leakyRelu = elementwise((layer, value) => (value >= 0 ? value : Number(layer.config.alpha ?? 0.3) * value));
const hardSigmoid = elementwise((layer, value) => Math.min(1, Math.max(0, Number(layer.config.alpha ?? 0.2) * value + Number(layer.config.beta ?? 0.5))));
const elu = elementwise((layer, value) => (value >= 0 ? value : Number(layer.config.alpha ?? 1) * (Math.exp(value) - 1)));

const pooling: LayerHandler = {
  ...elementwise(),
  outputShape: (layer, [input]) => [...spatialOutput(layer, input, poolWindow(layer.config)), input[2]],
};

const globalPooling: LayerHandler = { ...elementwise(), outputShape: (_layer, [input]) => [input[input.length - 1]] };

const zeroPadding: LayerHandler = {
  ...elementwise(),
  outputShape: (layer, [input]) => {
    const [[top, bottom], [left, right]] = zeroPaddingSides(layer.config.padding);
    return [input[0] + top + bottom, input[1] + left + right, input[2]];
  },
};

const flatten: LayerHandler = {
  role: 'flatten',
  outputShape: (_layer, [input]) => [input.reduce((p, s) => p * s, 1)],
  macs: () => 0,
  prune: identity,
};

const add: LayerHandler = {
  role: 'add',
  outputShape: (_layer, inputs) => [...inputs[0]],
  macs: () => 0,
  prune: identity,
};

const concatenate: LayerHandler = {
  role: 'concat',
  outputShape: (_layer, inputs) => [...inputs[0].slice(0, -1), inputs.reduce((sum, shape) => sum + shape[shape.length - 1], 0)],
  macs: () => 0,
  prune: identity,
};

const inputLayer: LayerHandler = {
  role: 'input',
  outputShape: (layer) => {
    const batchShape = (layer.config.batch_input_shape ?? layer.config.batch_shape) as (number | null)[];
    return batchShape.slice(1).map(Number);
  },
  macs: () => 0,
  prune: identity,
};

const HANDLERS: Record<string, LayerHandler> = {
  InputLayer: inputLayer,
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  Dense: dense,
  BatchNormalization: batchNormalization,
  GFR: gfr,
  Activation: activation,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  HardSigmoid: hardSigmoid,
  ELU: elu,
  Dropout: elementwise(),
  SpatialDropout2D: elementwise(),
  MaxPooling2D: pooling,
  AveragePooling2D: pooling,
  GlobalAveragePooling2D: globalPooling,
  GlobalMaxPooling2D: globalPooling,
  ZeroPadding2D: zeroPadding,
  Flatten: flatten,
  Add: add,
  Concatenate: concatenate,
};

/** Why a layer the registry knows still cannot be handled, or undefined. */
function unsupportedConfig(layer: LayerSpec): string | undefined {
  const config = layer.config;
  if (config.data_format === 'channels_first') return 'it uses channels_first data format';
  if (layer.className === 'Activation' && applyActivation(config.activation, 0, layer) === undefined) {
    return `its activation '${String(config.activation)}' mixes channels`;
  }
  if (layer.className === 'Concatenate' && ![-1, 3, undefined].includes(config.axis as number | undefined)) {
    return 'it concatenates along an axis other than channels';
  }
  if (layer.className === 'BatchNormalization' && ![-1, 3, 1, undefined].includes(Array.isArray(config.axis) ? config.axis[0] : (config.axis as number | undefined))) {
    return 'it normalizes an axis other than channels';
  }
  if (layer.className === 'DepthwiseConv2D' && Number(config.depth_multiplier ?? 1) !== 1) {
    return 'its depth_multiplier is not 1';
  }
  return undefined;
}

/** The handler for a layer, or a reason why the engine does not understand it. */
export function handlerFor(layer: LayerSpec): { handler: LayerHandler } | { reason: string } {
  const handler = HANDLERS[layer.className];
  if (!handler) return { reason: `the engine does not understand ${layer.className} layers` };
  const reason = unsupportedConfig(layer);
  return reason ? { reason } : { handler };
}

export const SUPPORTED_LAYER_CLASSES = Object.keys(HANDLERS);
