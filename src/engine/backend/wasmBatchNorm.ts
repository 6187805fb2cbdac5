/**
 * Batch normalization with per-channel statistics as one XNNPACK depthwise
 * 1×1 convolution with bias: y = x·a + b, a = scale / √(variance + ε),
 * b = offset − mean·a. wasm's own FusedBatchNorm is a generic broadcasting
 * loop, ~15× slower on a training batch. Statistics of any other shape (and
 * other dtypes) go to wasm's own kernel.
 * Browser-safe: no Node imports.
 */
import type * as tf from '@tensorflow/tfjs';
import { wasmTrainingConfig } from './wasmKernelConfig';
import { type KernelArgs, f32, input, runReplaced, runWasmKernel, view } from './wasmKernelUtils';

/** True when `t` (absent counts) holds one value per channel. */
function perChannel(t: tf.TensorInfo | undefined, channels: number): boolean {
  return t === undefined || (t.dtype === 'float32' && t.shape.reduce((a, b) => a * b, 1) === channels && t.shape.slice(0, -1).every((d) => d === 1));
}

export function batchNormAsDepthwise(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = input('FusedBatchNorm', args.inputs, 'x');
  const mean = input('FusedBatchNorm', args.inputs, 'mean');
  const variance = input('FusedBatchNorm', args.inputs, 'variance');
  const offset = args.inputs.offset ?? undefined;
  const scale = args.inputs.scale ?? undefined;
  const channels = x.shape[x.shape.length - 1];
  const fits = wasmTrainingConfig.fast.batchNormAsDepthwise && x.dtype === 'float32' && x.shape.length >= 2 && x.shape.length <= 4
    && [mean, variance, offset, scale].every((t) => perChannel(t, channels));
  if (!fits) return runReplaced('FusedBatchNorm', args);
  const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
  const filter = backend.makeOutput([1, 1, channels, 1], 'float32');
  const bias = backend.makeOutput([channels], 'float32');
  const a = f32(backend, filter);
  const b = f32(backend, bias);
  const m = f32(backend, mean);
  const v = f32(backend, variance);
  const o = offset ? f32(backend, offset) : null;
  const s = scale ? f32(backend, scale) : null;
  for (let c = 0; c < channels; c++) {
    a[c] = (s ? s[c] : 1) / Math.sqrt(v[c] + varianceEpsilon);
    b[c] = (o ? o[c] : 0) - m[c] * a[c];
  }
  // Any rank 2–4 with channels last is a [1, rows, 1, C] image for a 1×1 filter.
  const rows = x.shape.slice(0, -1).reduce((p, q) => p * q, 1);
  const out = runWasmKernel('FusedDepthwiseConv2D', backend, { x: view(x, [1, rows, 1, channels]), filter, bias }, {
    strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], activation: 'linear',
  });
  backend.disposeData(filter.dataId);
  backend.disposeData(bias.dataId);
  out.shape = x.shape;
  return out;
}
