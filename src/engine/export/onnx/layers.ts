/**
 * One converter per Keras layer class: the ONNX nodes computing the layer on
 * tensors in NCHW (images) or [N, features] (flat) layout.
 */
import { UserError } from '../../core/errors';
import type { LayerSpec, Shape } from '../../core/types';
import { convWindow, poolWindow, reluSettings, zeroPaddingSides } from '../../graph/layerConfig';
import type { OnnxGraphBuilder } from './graphBuilder';
import { foldIntoConv, onnxConvKernel } from './kernels';

/** A tensor of the ONNX graph: images are NCHW, everything else [N, features]. */
export interface OnnxValue {
  name: string;
  layout: 'nchw' | 'flat';
  /** The Keras shape without the batch dimension (NHWC for images). */
  shape: Shape;
}

export interface LayerInput {
  layer: LayerSpec;
  inputs: OnnxValue[];
  outputShape: Shape;
  /** A BatchNormalization that directly follows this convolution, folded into its weights. */
  foldedBn?: LayerSpec;
}

type Converter = (builder: OnnxGraphBuilder, input: LayerInput) => Pick<OnnxValue, 'name' | 'layout'>;

/** ONNX pads [top, left, bottom, right] for Keras padding 'valid' or 'same' (TensorFlow puts the odd pixel at the end). */
function windowPads(padding: unknown, input: Shape, kernel: [number, number], strides: [number, number], dilations: [number, number]): number[] {
  if (padding !== 'same') return [0, 0, 0, 0];
  const total = [0, 1].map((axis) => {
    const out = Math.ceil(input[axis] / strides[axis]);
    return Math.max(0, (out - 1) * strides[axis] + (kernel[axis] - 1) * dilations[axis] + 1 - input[axis]);
  });
  const begin = total.map((t) => Math.floor(t / 2));
  return [...begin, total[0] - begin[0], total[1] - begin[1]];
}

function requireLayout(input: LayerInput, layout: OnnxValue['layout']): void {
  for (const value of input.inputs) {
    if (value.layout !== layout) {
      throw new UserError(`Layer '${input.layer.name}' (${input.layer.className}) reads a ${value.layout === 'flat' ? 'flat' : 'image'} tensor, which the ONNX export does not support there.`);
    }
  }
}

/** The nodes of a Keras activation by name (`linear` adds none). */
export function activationNodes(builder: OnnxGraphBuilder, input: string, activation: unknown, base: string): string {
  const name = String(activation ?? 'linear');
  const unary: Record<string, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softplus: 'Softplus', softsign: 'Softsign' };
  if (name === 'linear') return input;
  if (unary[name]) return builder.node(unary[name], [input], base);
  if (name === 'relu6') return clip(builder, input, 0, 6, base);
  if (name === 'elu') return builder.node('Elu', [input], base, [{ name: 'alpha', type: 'float', value: 1 }]);
  if (name === 'selu') return builder.node('Selu', [input], base);
  if (name === 'hard_sigmoid') return hardSigmoid(builder, input, 0.2, 0.5, base);
  // x · HardSigmoid(x; 1/6, 1/2): HardSwish arrives with opset 14, the file is opset 13 (PyTorch writes it so too).
  if (name === 'hard_swish') return builder.node('Mul', [input, hardSigmoid(builder, input, 1 / 6, 0.5, `${base}_gate`)], base);
  if (name === 'swish' || name === 'silu') return builder.node('Mul', [input, builder.node('Sigmoid', [input], `${base}_sigmoid`)], base);
  // Keras applies softmax over the last axis: the channels, which are axis 1 in both of the graph's layouts.
  if (name === 'softmax') return builder.node('Softmax', [input], base, [{ name: 'axis', type: 'int', value: 1 }]);
  throw new UserError(`The ONNX export does not support the activation '${name}' of layer '${base}'.`);
}

function hardSigmoid(builder: OnnxGraphBuilder, input: string, alpha: number, beta: number, base: string): string {
  return builder.node('HardSigmoid', [input], base, [{ name: 'alpha', type: 'float', value: alpha }, { name: 'beta', type: 'float', value: beta }]);
}

function clip(builder: OnnxGraphBuilder, input: string, min: number, max: number, base: string): string {
  const bound = (value: number, which: string) => builder.floats(`${base}_${which}`, [], Float32Array.of(value));
  return builder.node('Clip', [input, bound(min, 'min'), bound(max, 'max')], base);
}

const same = (value: OnnxValue): Pick<OnnxValue, 'name' | 'layout'> => ({ name: value.name, layout: value.layout });

function convolution(builder: OnnxGraphBuilder, { layer, inputs: [x], foldedBn }: LayerInput, depthwise: boolean): Pick<OnnxValue, 'name' | 'layout'> {
  const config = layer.config;
  const kernel = onnxConvKernel(depthwise ? layer.weights.depthwise_kernel : layer.weights.kernel, depthwise);
  const size: [number, number] = [kernel.dims[2], kernel.dims[3]];
  const { strides, dilation } = convWindow(config);
  // tfjs-layers' DepthwiseConv2D ignores dilation_rate; the file computes what the studio measured.
  const dilations: [number, number] = depthwise ? [1, 1] : dilation;
  const bias = layer.weights.bias?.values;
  const weights = foldedBn ? foldIntoConv(kernel, bias, foldedBn) : { kernel: kernel.values, bias };
  const inputs = [x.name, builder.floats(`${layer.name}_kernel`, kernel.dims, weights.kernel)];
  if (weights.bias) inputs.push(builder.floats(`${layer.name}_bias`, [kernel.dims[0]], weights.bias));
  const conv = builder.node('Conv', inputs, layer.name, [
    { name: 'kernel_shape', type: 'ints', value: size },
    { name: 'strides', type: 'ints', value: strides },
    { name: 'dilations', type: 'ints', value: dilations },
    { name: 'pads', type: 'ints', value: windowPads(config.padding, x.shape, size, strides, dilations) },
    { name: 'group', type: 'int', value: depthwise ? x.shape[2] : 1 },
  ]);
  return { name: activationNodes(builder, conv, config.activation, `${layer.name}_activation`), layout: 'nchw' };
}

function pooling(opType: 'MaxPool' | 'AveragePool'): Converter {
  return (builder, input) => {
    requireLayout(input, 'nchw');
    const { layer, inputs: [x] } = input;
    const { size, strides } = poolWindow(layer.config);
    const name = builder.node(opType, [x.name], layer.name, [
      { name: 'kernel_shape', type: 'ints', value: size },
      { name: 'strides', type: 'ints', value: strides },
      { name: 'pads', type: 'ints', value: windowPads(layer.config.padding, x.shape, size, strides, [1, 1]) },
    ]);
    return { name, layout: 'nchw' };
  };
}

function globalPooling(opType: 'GlobalAveragePool' | 'GlobalMaxPool'): Converter {
  return (builder, input) => {
    requireLayout(input, 'nchw');
    const { layer, inputs: [x] } = input;
    const pooled = builder.node(opType, [x.name], layer.config.keepdims ? layer.name : `${layer.name}_pool`);
    if (layer.config.keepdims) return { name: pooled, layout: 'nchw' };
    return { name: builder.node('Flatten', [pooled], layer.name, [{ name: 'axis', type: 'int', value: 1 }]), layout: 'flat' };
  };
}

function zeroPadding(builder: OnnxGraphBuilder, input: LayerInput): Pick<OnnxValue, 'name' | 'layout'> {
  requireLayout(input, 'nchw');
  const { layer, inputs: [x] } = input;
  const [[top, bottom], [left, right]] = zeroPaddingSides(layer.config.padding);
  const pads = builder.int64s(`${layer.name}_pads`, [0, 0, top, left, 0, 0, bottom, right]);
  return { name: builder.node('Pad', [x.name, pads], layer.name), layout: 'nchw' };
}

function flatten(builder: OnnxGraphBuilder, { layer, inputs: [x] }: LayerInput): Pick<OnnxValue, 'name' | 'layout'> {
  if (x.layout === 'flat') return same(x);
  // Keras flattens NHWC (channels fastest): back to NHWC first, so the Dense kernel after it reads the same order.
  const nhwc = builder.node('Transpose', [x.name], `${layer.name}_nhwc`, [{ name: 'perm', type: 'ints', value: [0, 2, 3, 1] }]);
  return { name: builder.node('Flatten', [nhwc], layer.name, [{ name: 'axis', type: 'int', value: 1 }]), layout: 'flat' };
}

function dense(builder: OnnxGraphBuilder, input: LayerInput): Pick<OnnxValue, 'name' | 'layout'> {
  const { layer, inputs: [x] } = input;
  if (x.layout !== 'flat' || x.shape.length !== 1) {
    throw new UserError(`Dense layer '${layer.name}' reads a ${x.shape.length + 1}-D tensor; the ONNX export supports Dense after Flatten or global pooling only.`);
  }
  const kernel = layer.weights.kernel;
  const inputs = [x.name, builder.floats(`${layer.name}_kernel`, [...kernel.shape], kernel.values)];
  if (layer.weights.bias) inputs.push(builder.floats(`${layer.name}_bias`, [...layer.weights.bias.shape], layer.weights.bias.values));
  const gemm = builder.node('Gemm', inputs, layer.name);
  return { name: activationNodes(builder, gemm, layer.config.activation, `${layer.name}_activation`), layout: 'flat' };
}

function batchNormalization(builder: OnnxGraphBuilder, { layer, inputs: [x] }: LayerInput): Pick<OnnxValue, 'name' | 'layout'> {
  const { gamma, beta, moving_mean: mean, moving_variance: variance } = layer.weights;
  const channels = [mean.values.length];
  const name = builder.node('BatchNormalization', [
    x.name,
    builder.floats(`${layer.name}_gamma`, channels, gamma?.values ?? new Float32Array(channels[0]).fill(1)),
    builder.floats(`${layer.name}_beta`, channels, beta?.values ?? new Float32Array(channels[0])),
    builder.floats(`${layer.name}_mean`, channels, mean.values),
    builder.floats(`${layer.name}_variance`, channels, variance.values),
  ], layer.name, [{ name: 'epsilon', type: 'float', value: Number(layer.config.epsilon ?? 1e-3) }]);
  return { name, layout: x.layout };
}

function relu(builder: OnnxGraphBuilder, { layer, inputs: [x] }: LayerInput): Pick<OnnxValue, 'name' | 'layout'> {
  const { max, slope, threshold } = reluSettings(layer.config);
  if (threshold !== 0) throw new UserError(`ReLU layer '${layer.name}' has a threshold; the ONNX export does not support it.`);
  let name = slope === 0
    ? (max !== undefined && max > 0 ? clip(builder, x.name, 0, max, layer.name) : builder.node('Relu', [x.name], layer.name))
    : builder.node('LeakyRelu', [x.name], max === undefined ? layer.name : `${layer.name}_leaky`, [{ name: 'alpha', type: 'float', value: slope }]);
  if (slope !== 0 && max !== undefined) name = clip(builder, name, -Infinity, max, layer.name);
  return { name, layout: x.layout };
}

function merge(opType: 'Add' | 'Concat'): Converter {
  return (builder, input) => {
    const layout = input.inputs[0].layout;
    requireLayout(input, layout);
    const names = input.inputs.map((value) => value.name);
    const name = opType === 'Concat'
      // Keras concatenates the last axis (channels): axis 1 in NCHW and in [N, features].
      ? builder.node('Concat', names, input.layer.name, [{ name: 'axis', type: 'int', value: 1 }])
      : builder.node(names.length === 2 ? 'Add' : 'Sum', names, input.layer.name);
    return { name, layout };
  };
}

const passThrough: Converter = (_builder, { inputs: [x] }) => same(x);

export const CONVERTERS: Record<string, Converter> = {
  Conv2D: (builder, input) => { requireLayout(input, 'nchw'); return convolution(builder, input, false); },
  DepthwiseConv2D: (builder, input) => { requireLayout(input, 'nchw'); return convolution(builder, input, true); },
  Dense: dense,
  BatchNormalization: batchNormalization,
  Activation: (builder, { layer, inputs: [x] }) => ({ name: activationNodes(builder, x.name, layer.config.activation, layer.name), layout: x.layout }),
  ReLU: relu,
  LeakyReLU: (builder, { layer, inputs: [x] }) => ({
    name: builder.node('LeakyRelu', [x.name], layer.name, [{ name: 'alpha', type: 'float', value: Number(layer.config.alpha ?? layer.config.negative_slope ?? 0.3) }]),
    layout: x.layout,
  }),
  HardSigmoid: (builder, { layer, inputs: [x] }) => ({
    name: hardSigmoid(builder, x.name, Number(layer.config.alpha ?? 0.2), Number(layer.config.beta ?? 0.5), layer.name),
    layout: x.layout,
  }),
  ELU: (builder, { layer, inputs: [x] }) => ({
    name: builder.node('Elu', [x.name], layer.name, [{ name: 'alpha', type: 'float', value: Number(layer.config.alpha ?? 1) }]),
    layout: x.layout,
  }),
  // Dropout is the identity at inference.
  Dropout: passThrough,
  SpatialDropout2D: passThrough,
  MaxPooling2D: pooling('MaxPool'),
  AveragePooling2D: pooling('AveragePool'),
  GlobalAveragePooling2D: globalPooling('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPooling('GlobalMaxPool'),
  ZeroPadding2D: zeroPadding,
  Flatten: flatten,
  Add: merge('Add'),
  Concatenate: merge('Concat'),
};

/** Layer classes the ONNX export writes (InputLayer and GFR, folded first, besides). */
export const ONNX_LAYER_CLASSES = Object.keys(CONVERTERS);
