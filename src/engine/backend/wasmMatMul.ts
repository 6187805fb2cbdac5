/**
 * BatchMatMul with a transposed operand. wasm's own kernel multiplies
 * untransposed operands on XNNPACK but falls back to a scalar loop when either
 * is transposed, which every dense layer's gradient asks for (xᵀ·dy and
 * dy·Wᵀ). Transposing the operand first (one pass over it) and multiplying on
 * the fast path is several times faster.
 * Browser-safe: no Node imports.
 */
import type * as tf from '@tensorflow/tfjs';
import { wasmTrainingConfig } from './wasmKernelConfig';
import { type KernelArgs, input, runReplaced, runWasmKernel, view } from './wasmKernelUtils';

/** [..., r, c] → [batch, c, r] on wasm's Transpose kernel. */
function transposedInner(args: KernelArgs, t: tf.TensorInfo): tf.TensorInfo {
  const rank = t.shape.length;
  const rows = t.shape[rank - 2];
  const columns = t.shape[rank - 1];
  const batch = t.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const flipped = runWasmKernel('Transpose', args.backend, { x: view(t, [batch, rows, columns]) }, { perm: [0, 2, 1] });
  flipped.shape = [...t.shape.slice(0, -2), columns, rows];
  return flipped;
}

export function batchMatMulTransposed(args: KernelArgs): tf.TensorInfo {
  const a = input('BatchMatMul', args.inputs, 'a');
  const b = input('BatchMatMul', args.inputs, 'b');
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  if ((!transposeA && !transposeB) || !wasmTrainingConfig.fast.transposedMatMul || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return runReplaced('BatchMatMul', args);
  }
  const a2 = transposeA ? transposedInner(args, a) : a;
  const b2 = transposeB ? transposedInner(args, b) : b;
  try {
    return runReplaced('BatchMatMul', { ...args, inputs: { a: a2, b: b2 }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
  } finally {
    if (a2 !== a) args.backend.disposeData(a2.dataId);
    if (b2 !== b) args.backend.disposeData(b2.dataId);
  }
}
