/**
 * Element-wise Add, Sub, Multiply and RealDiv of a tensor and a per-channel
 * vector ([..., C] with [C] or [1, …, 1, C]: batch-norm's centring, scaling
 * and gradients). XNNPACK's broadcasting runs its vector kernel once per row
 * of C floats, 16–64 here, and the per-row overhead dominates; viewed as rows
 * of k·C floats against the vector tiled k times, the same products come out
 * in the same order (bit-identical) in a fraction of the time, still on
 * XNNPACK's threads. Other shapes go to wasm's own kernels.
 * Browser-safe: no Node imports.
 */
import * as tf from '@tensorflow/tfjs';
import { wasmTrainingConfig } from './wasmKernelConfig';
import { type KernelArgs, type WasmKernel, f32, input, runReplaced, view } from './wasmKernelUtils';

/** Rows of the widened view hold at most this many floats. */
const MAX_ROW = 4096;

/** The row count k (a power of two dividing `rows`, k·channels ≤ MAX_ROW), or 1 where widening gains nothing. */
export function widening(rows: number, channels: number): number {
  let k = 1;
  while (rows % (2 * k) === 0 && 2 * k * channels <= MAX_ROW) k *= 2;
  return k;
}

/** True where `small` is a vector along the last axis of `big`: [C] or [1, …, 1, C]. */
function isChannelVector(small: number[], big: number[]): boolean {
  const channels = big[big.length - 1];
  return small.length >= 1 && small.length <= big.length && small[small.length - 1] === channels && small.slice(0, -1).every((d) => d === 1);
}

type BinaryName = 'Add' | 'Sub' | 'Multiply' | 'RealDiv';

function binaryWide(name: BinaryName, args: KernelArgs): tf.TensorInfo {
  const a = input(name, args.inputs, 'a');
  const b = input(name, args.inputs, 'b');
  if (!wasmTrainingConfig.fast.wideBroadcast || a.dtype !== 'float32' || b.dtype !== 'float32') return runReplaced(name, args);
  const bigIsA = a.shape.length >= b.shape.length && isChannelVector(b.shape, a.shape);
  const big = bigIsA ? a : b;
  const small = bigIsA ? b : a;
  if (!bigIsA && !isChannelVector(a.shape, b.shape)) return runReplaced(name, args);
  const channels = big.shape[big.shape.length - 1];
  const rows = tf.util.sizeFromShape(big.shape) / channels;
  const k = widening(rows, channels);
  if (k === 1) return runReplaced(name, args);
  const { backend } = args;
  const tiled = backend.makeOutput([k * channels], 'float32');
  const vector = f32(backend, small);
  const into = f32(backend, tiled);
  for (let r = 0; r < k; r++) into.set(vector, r * channels);
  const wide = view(big, [rows / k, k * channels]);
  const inputs = bigIsA ? { a: wide, b: tiled } : { a: tiled, b: wide };
  try {
    const out = runReplaced(name, { ...args, inputs });
    out.shape = big.shape.slice();
    return out;
  } finally {
    backend.disposeData(tiled.dataId);
  }
}

export const addWide: WasmKernel = (args) => binaryWide('Add', args);
export const subWide: WasmKernel = (args) => binaryWide('Sub', args);
export const multiplyWide: WasmKernel = (args) => binaryWide('Multiply', args);
export const realDivWide: WasmKernel = (args) => binaryWide('RealDiv', args);
