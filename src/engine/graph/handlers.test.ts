/**
 * The layer handlers on their own: shapes, costs, cuts and constants, with
 * values worked out by hand (no tfjs).
 */
import { describe, expect, it } from 'vitest';
import type { LayerSpec, WeightArray } from '../core/types';
import { handlerFor, SUPPORTED_LAYER_CLASSES, type LayerHandler } from './handlers';

/** 0, 1, 2 … in a weight of this shape: an element's value is its row-major index. */
const counting = (...shape: number[]): WeightArray => ({ shape, values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i) });
const vector = (...values: number[]): WeightArray => ({ shape: [values.length], values: Float32Array.from(values) });

function layer(className: string, config: Record<string, unknown> = {}, weights: Record<string, WeightArray> = {}): LayerSpec {
  return { name: className.toLowerCase(), className, config, inbound: ['x'], weights };
}

function handler(spec: LayerSpec): LayerHandler {
  const found = handlerFor(spec);
  if ('reason' in found) throw new Error(found.reason);
  return found.handler;
}

describe('Conv2D', () => {
  const conv = layer('Conv2D', { filters: 3, kernel_size: [3, 3], strides: 2, padding: 'valid' }, { kernel: counting(1, 1, 2, 3), bias: vector(10, 11, 12) });

  it('computes the output shape of valid and same padding, and the multiply–adds', () => {
    expect(handler(conv).outputShape(conv, [[9, 8, 2]])).toEqual([4, 3, 3]);
    const same = { ...conv, config: { ...conv.config, padding: 'same' } };
    expect(handler(same).outputShape(same, [[9, 8, 2]])).toEqual([5, 4, 3]);
    // 4·3 positions × 3 filters × 3·3 taps × 2 input channels.
    expect(handler(conv).macs(conv, [[9, 8, 2]], [4, 3, 3])).toBe(4 * 3 * 3 * 9 * 2);
    expect(handler(conv).weightShapes!(conv, [[9, 8, 2]])).toEqual({ kernel: [3, 3, 2, 3], bias: [3] });
  });

  it('cuts the kernel along input and output channels, and the bias along outputs', () => {
    // kernel [1, 1, in 2, out 3]: value = in·3 + out.
    const cut = handler(conv).prune(conv, [[1]], [0, 2]);
    expect(cut.weights.kernel).toEqual({ shape: [1, 1, 1, 2], values: Float32Array.from([3, 5]) });
    expect(cut.weights.bias.values).toEqual(Float32Array.from([10, 12]));
    expect(cut.config.filters).toBe(2);
    expect(conv.weights.kernel.values).toHaveLength(6);
  });
});

describe('DepthwiseConv2D', () => {
  const depthwise = layer('DepthwiseConv2D', { kernel_size: 3, padding: 'same' }, { depthwise_kernel: counting(1, 1, 4, 1), bias: vector(1, 2, 3, 4) });

  it('keeps its input channels, costs one filter per channel, and cuts input and output together', () => {
    expect(handler(depthwise).role).toBe('depthwise');
    expect(handler(depthwise).outputShape(depthwise, [[6, 6, 4]])).toEqual([6, 6, 4]);
    expect(handler(depthwise).macs(depthwise, [[6, 6, 4]], [6, 6, 4])).toBe(6 * 6 * 4 * 9);
    const cut = handler(depthwise).prune(depthwise, [[0, 3]], [0, 3]);
    expect(cut.weights.depthwise_kernel).toEqual({ shape: [1, 1, 2, 1], values: Float32Array.from([0, 3]) });
    expect(cut.weights.bias.values).toEqual(Float32Array.from([1, 4]));
  });

  it('refuses a depth multiplier other than 1', () => {
    expect(handlerFor(layer('DepthwiseConv2D', { kernel_size: 3, depth_multiplier: 2 }))).toEqual({ reason: 'its depth_multiplier is not 1' });
  });
});

describe('Dense', () => {
  const dense = layer('Dense', { units: 3, use_bias: false }, { kernel: counting(4, 3) });

  it('costs inputs × units, has no bias shape without use_bias, and cuts rows and columns', () => {
    expect(handler(dense).outputShape(dense, [[4]])).toEqual([3]);
    expect(handler(dense).macs(dense, [[4]], [3])).toBe(12);
    expect(handler(dense).weightShapes!(dense, [[4]])).toEqual({ kernel: [4, 3] });
    // kernel [4, 3]: value = row·3 + column.
    const cut = handler(dense).prune(dense, [[0, 2]], [1]);
    expect(cut.weights.kernel).toEqual({ shape: [2, 1], values: Float32Array.from([1, 7]) });
    expect(cut.config.units).toBe(1);
  });
});

describe('BatchNormalization and GFR', () => {
  it('BN slices every vector to the kept channels and passes no constant through', () => {
    const bn = layer('BatchNormalization', { scale: false }, {
      beta: vector(1, 2, 3), moving_mean: vector(4, 5, 6), moving_variance: vector(7, 8, 9),
    });
    const cut = handler(bn).prune(bn, [[0, 2]], [0, 2]);
    expect(Object.fromEntries(Object.entries(cut.weights).map(([key, weight]) => [key, Array.from(weight.values)]))).toEqual({
      beta: [1, 3], moving_mean: [4, 6], moving_variance: [7, 9],
    });
    expect(handler(bn).constant!(bn, 5)).toBeUndefined();
    expect(handler(bn).weightShapes!(bn, [[2, 2, 3]])).toEqual({ moving_mean: [3], moving_variance: [3], beta: [3] });
    expect(handlerFor(layer('BatchNormalization', { axis: 2 }))).toEqual({ reason: 'it normalizes an axis other than channels' });
  });

  it('GFR cuts the first kernel by rows and the second by columns, and keeps the hidden bias whole', () => {
    const gfr = layer('GFR', {}, { kernel1: counting(3, 4), bias1: vector(1, 2, 3, 4), kernel2: counting(4, 3), bias2: vector(5, 6, 7), sr: vector(0.1, 0.2, 0.3) });
    const cut = handler(gfr).prune(gfr, [[0, 2]], [0, 2]);
    expect(cut.weights.kernel1).toEqual({ shape: [2, 4], values: Float32Array.from([0, 1, 2, 3, 8, 9, 10, 11]) });
    expect(cut.weights.bias1.values).toEqual(Float32Array.from([1, 2, 3, 4]));
    expect(cut.weights.kernel2).toEqual({ shape: [4, 2], values: Float32Array.from([0, 2, 3, 5, 6, 8, 9, 11]) });
    expect(Array.from(cut.weights.sr.values)).toEqual([Math.fround(0.1), Math.fround(0.3)]);
  });
});

describe('layers that pass channels through', () => {
  it('pooling strides by its window unless told otherwise; padding and global pooling change the shape', () => {
    const pool = layer('MaxPooling2D', { pool_size: [2, 2], padding: 'valid' });
    expect(handler(pool).outputShape(pool, [[7, 8, 5]])).toEqual([3, 4, 5]);
    const strided = layer('AveragePooling2D', { pool_size: 3, strides: 1, padding: 'valid' });
    expect(handler(strided).outputShape(strided, [[7, 8, 5]])).toEqual([5, 6, 5]);
    const pad = layer('ZeroPadding2D', { padding: [[1, 2], [0, 3]] });
    expect(handler(pad).outputShape(pad, [[7, 8, 5]])).toEqual([10, 11, 5]);
    const global = layer('GlobalAveragePooling2D');
    expect(handler(global).outputShape(global, [[7, 8, 5]])).toEqual([5]);
  });

  it('carries a constant through activations as they compute it', () => {
    const relu6 = layer('ReLU', { max_value: 6, negative_slope: 0.1, threshold: 1 });
    expect(handler(relu6).constant!(relu6, 8)).toBe(6);
    expect(handler(relu6).constant!(relu6, -1)).toBeCloseTo(-0.2, 12);
    const sigmoid = layer('Activation', { activation: 'sigmoid' });
    expect(handler(sigmoid).constant!(sigmoid, 0)).toBe(0.5);
    const leaky = layer('LeakyReLU', { alpha: 0.2 });
    expect(handler(leaky).constant!(leaky, -2)).toBeCloseTo(-0.4, 12);
    const pool = layer('MaxPooling2D');
    expect(handler(pool).constant!(pool, 3)).toBe(3);
    // Hard swish: x · min(max(x + 3, 0), 6) / 6; the hard sigmoid layer: min(max(α·x + β, 0), 1).
    const hardSwish = layer('Activation', { activation: 'hard_swish' });
    expect([-4, -1, 1, 4].map((x) => handler(hardSwish).constant!(hardSwish, x))).toEqual([-0, -1 / 3, 2 / 3, 4]);
    const hardSigmoid = layer('HardSigmoid', { alpha: 0.25, beta: 0.25 });
    expect([-2, 1, 4].map((x) => handler(hardSigmoid).constant!(hardSigmoid, x))).toEqual([0, 0.5, 1]);
    expect(handlerFor(layer('Activation', { activation: 'softmax' }))).toEqual({ reason: "its activation 'softmax' mixes channels" });
  });

  it('flatten, concatenate and the input layer shape their outputs, and cost nothing', () => {
    const flatten = layer('Flatten');
    expect(handler(flatten).outputShape(flatten, [[2, 3, 4]])).toEqual([24]);
    const concat = layer('Concatenate', { axis: -1 });
    expect(handler(concat).outputShape(concat, [[4, 4, 2], [4, 4, 5]])).toEqual([4, 4, 7]);
    expect(handler(concat).macs(concat, [[4, 4, 2], [4, 4, 5]], [4, 4, 7])).toBe(0);
    expect(handlerFor(layer('Concatenate', { axis: 1 }))).toEqual({ reason: 'it concatenates along an axis other than channels' });
    const input = layer('InputLayer', { batch_input_shape: [null, 28, 28, 1] });
    expect(handler(input).outputShape(input, [])).toEqual([28, 28, 1]);
  });
});

describe('the registry', () => {
  it('names what it does not understand, and lists every layer it does', () => {
    expect(handlerFor(layer('LSTM'))).toEqual({ reason: 'the engine does not understand LSTM layers' });
    expect(handlerFor(layer('Conv2D', { data_format: 'channels_first' }))).toEqual({ reason: 'it uses channels_first data format' });
    expect(SUPPORTED_LAYER_CLASSES).toEqual(expect.arrayContaining(['Conv2D', 'DepthwiseConv2D', 'Dense', 'BatchNormalization', 'GFR', 'Add', 'Concatenate', 'Flatten']));
  });
});
