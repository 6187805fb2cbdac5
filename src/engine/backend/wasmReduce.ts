/**
 * Sum and Mean over the leading axes of a float32 tensor (the reductions of
 * bias and batch-norm gradients and of batch statistics: NHWC over N, H, W).
 * wasm's own kernels first transpose the whole tensor so that the reduced
 * axes come last; here the tensor is viewed as [1, M, 1, C] and averaged by
 * XNNPACK's average pool in one pass, without the copy. Other reductions go to
 * wasm's own kernels.
 * Browser-safe: no Node imports.
 */
import * as tf from '@tensorflow/tfjs';
import { wasmTrainingConfig } from './wasmKernelConfig';
import { type KernelArgs, type WasmKernel, f32, input, runReplaced, runWasmKernel, view } from './wasmKernelUtils';

interface LeadingSplit {
  /** Number of reduced (leading) axes. */
  reduced: number;
  rows: number;
  columns: number;
}

/** The split of `shape` into reduced rows and kept columns when `axis` names exactly its leading axes, else null. */
export function leadingSplit(shape: number[], axis: number | number[]): LeadingSplit | null {
  const axes = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  const reduced = axes.length;
  if (reduced === 0 || reduced === shape.length || axes.some((a, i) => a !== i)) return null;
  const rows = tf.util.sizeFromShape(shape.slice(0, reduced));
  const columns = tf.util.sizeFromShape(shape.slice(reduced));
  // The pool needs a window of at least two; nothing to gain from an empty tensor.
  return rows > 1 && columns > 0 ? { reduced, rows, columns } : null;
}

function reduceLeading(name: 'Sum' | 'Mean', args: KernelArgs): tf.TensorInfo {
  const x = input(name, args.inputs, 'x');
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  const split = x.dtype === 'float32' && wasmTrainingConfig.fast.leadingReductions ? leadingSplit(x.shape, axis) : null;
  if (split == null) return runReplaced(name, args);
  const { reduced, rows, columns } = split;
  const mean = runWasmKernel('AvgPool', args.backend, { x: view(x, [1, rows, 1, columns]) }, {
    filterSize: [rows, 1], strides: [rows, 1], pad: 'valid',
  });
  if (name === 'Sum') {
    const values = f32(args.backend, mean);
    for (let i = 0; i < values.length; i++) values[i] *= rows;
  }
  const kept = x.shape.slice(reduced);
  mean.shape = keepDims ? [...new Array<number>(reduced).fill(1), ...kept] : kept;
  return mean;
}

export const sumLeading: WasmKernel = (args) => reduceLeading('Sum', args);
export const meanLeading: WasmKernel = (args) => reduceLeading('Mean', args);
