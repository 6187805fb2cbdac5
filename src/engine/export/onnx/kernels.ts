/** Keras weights in ONNX's layouts, and a BatchNormalization folded into the convolution before it. */
import type { LayerSpec, WeightArray } from '../../core/types';

/** Conv2D [kh, kw, in, out] or DepthwiseConv2D [kh, kw, channels, 1] → ONNX's [out, in / group, kh, kw]. */
export function onnxConvKernel(kernel: WeightArray, depthwise: boolean): { dims: number[]; values: Float32Array } {
  const [kh, kw, a, b] = kernel.shape;
  const [out, perGroup] = depthwise ? [a * b, 1] : [b, a];
  const values = new Float32Array(kernel.values.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < a; i++) {
        for (let j = 0; j < b; j++) {
          const [o, n] = depthwise ? [i * b + j, 0] : [j, i];
          values[((o * perGroup + n) * kh + y) * kw + x] = kernel.values[((y * kw + x) * a + i) * b + j];
        }
      }
    }
  }
  return { dims: [out, perGroup, kh, kw], values };
}

/** Per channel: BN(x) = x · scale + shift, from γ, β and the moving statistics (inference form). */
export function batchNormAffine(bn: LayerSpec): { scale: Float64Array; shift: Float64Array } {
  const { moving_mean: mean, moving_variance: variance, gamma, beta } = bn.weights;
  const epsilon = Number(bn.config.epsilon ?? 1e-3);
  const scale = new Float64Array(mean.values.length);
  const shift = new Float64Array(mean.values.length);
  for (let c = 0; c < scale.length; c++) {
    scale[c] = (gamma ? gamma.values[c] : 1) / Math.sqrt(variance.values[c] + epsilon);
    shift[c] = (beta ? beta.values[c] : 0) - mean.values[c] * scale[c];
  }
  return { scale, shift };
}

/** An ONNX conv kernel [out, …] and bias with BN applied to each output channel. */
export function foldIntoConv(kernel: { dims: number[]; values: Float32Array }, bias: Float32Array | undefined, bn: LayerSpec): { kernel: Float32Array; bias: Float32Array } {
  const { scale, shift } = batchNormAffine(bn);
  const out = kernel.dims[0];
  const perOutput = kernel.values.length / out;
  const folded = new Float32Array(kernel.values.length);
  const foldedBias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    for (let k = 0; k < perOutput; k++) folded[o * perOutput + k] = kernel.values[o * perOutput + k] * scale[o];
    foldedBias[o] = (bias ? bias[o] : 0) * scale[o] + shift[o];
  }
  return { kernel: folded, bias: foldedBias };
}
